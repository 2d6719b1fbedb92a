"""Health, readiness and metrics endpoints for load balancers and monitoring."""

from __future__ import annotations

import ipaddress
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from firmid.core.client_address import client_address
from firmid.core.seams.django import mark_logged
from firmid.ops.app_settings import ops_settings
from firmid.ops.metrics import exposition
from firmid.ops.pages import in_language_of, page
from firmid.ops.readiness import measure_clock_skew, readiness_checks

logger = logging.getLogger("firmid.ops")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Says nothing of the database, on purpose."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: this node can serve a sign-in now; else 503 naming each failed check and why."""
    checks = readiness_checks()
    ready = all(check.ok for check in checks)
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {check.name: "ok" if check.ok else "failed" for check in checks},
        "reasons": {check.name: check.reason for check in checks if not check.ok},
    }
    _note_readiness(ready, body["reasons"])
    response = JsonResponse(body, status=200 if ready else 503)
    # A load balancer probes every few seconds: the change is logged once (above), not
    # each unready probe as an error by django.request.
    mark_logged(response)
    return response


_readiness = {"ready": None}  # per process: what the last probe found


def _note_readiness(ready: bool, reasons: dict[str, str]) -> None:
    """Log when this process becomes unready or ready again, once per change.

    At INFO: what made it unready (a store outage, the clock) is logged as an alarm where it
    is found, once per outage.
    """
    if _readiness["ready"] is ready:
        return
    _readiness["ready"] = ready
    if ready:
        logger.info("ready again")
    else:
        logger.info("not ready: %s", "; ".join(f"{name}: {reason}" for name, reason in reasons.items()))


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for the networks in FIRMID_METRICS_ALLOWED_NETWORKS only."""
    if not _allowed(client_address(request)):
        return HttpResponse("Metrics are not served to this address.", status=403, content_type="text/plain")
    try:
        measure_clock_skew()  # a scrape reads the skew as it is now, not at the last probe
    except Exception:  # noqa: BLE001, S110 — metrics answer without the database; /readyz says it is down
        pass  # the gauge keeps its last value
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def _allowed(address: str) -> bool:
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(net) for net in ops_settings.METRICS_ALLOWED_NETWORKS)


def server_error(request: HttpRequest) -> HttpResponse:
    """A real fault's 500; store outages are answered 503 before this (firmid.ops.outages.server_error)."""
    with in_language_of(request):
        title = _("Something went wrong")
        message = _("Something went wrong on our side. Please try again; if it happens again, contact support.")
    if request.path.startswith(("/api/", "/oauth/")):
        return HttpResponse(message, status=500, content_type="text/plain; charset=utf-8")
    return page(request, title=title, message=message, status=500)
