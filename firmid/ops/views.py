"""Health, readiness and metrics endpoints for load balancers and monitoring."""

from __future__ import annotations

import ipaddress
import logging
import sys

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from firmid.core.client_address import client_address
from firmid.ops.metrics import exposition

logger = logging.getLogger("firmid.ops")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Says nothing of the database, on purpose."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: the database and the shared cache both answer; else 503 naming what failed."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    ready = all(checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": {k: "ok" if v else "failed" for k, v in checks.items()}}
    return JsonResponse(body, status=200 if ready else 503)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 — any failure means "not ready"
        return False


def _cache_ok() -> bool:
    try:
        cache.set("firmid:readyz", "1", 10)
        return cache.get("firmid:readyz") == "1"
    except Exception:  # noqa: BLE001
        return False


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for the networks in FIRMID_METRICS_ALLOWED_NETWORKS only."""
    if not _allowed(client_address(request)):
        return HttpResponse("Metrics are not served to this address.", status=403, content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def _allowed(address: str) -> bool:
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(net) for net in settings.FIRMID_METRICS_ALLOWED_NETWORKS)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler: an unreachable database is a 503 with Retry-After, not a crash.

    It is the handler, not a middleware, because the database fails first inside other
    middleware (sessions, authentication), where no view's exception hook would see it.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        logger.warning("database unavailable", extra={"path": request.path, "error": type(error).__name__})
        response = HttpResponse(
            "firmid cannot reach its database right now. Please try again in a moment.",
            status=503, content_type="text/plain",
        )
        response["Retry-After"] = "5"
        return response
    return HttpResponse("Something went wrong on our side.", status=500, content_type="text/plain")
