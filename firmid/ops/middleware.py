from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from firmid.core.client_address import ForwardedForInvalid, client_address, from_trusted_proxy
from firmid.ops.metrics import LATENCY
from firmid.ops.pages import in_language_of

logger = logging.getLogger("firmid.ops")

# What a proxy may tell about the client: believed from FIRMID_TRUSTED_PROXIES only.
_FORWARDING_PREFIXES = ("HTTP_X_FORWARDED_", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
# The WSGI environ key of the client address, for the access log (no header can set it).
LOGGED_ADDRESS = "firmid.client_address"


class LatencyMiddleware:
    """Time every request by route name (never by raw path: paths carry ids)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.view_name if match else "unmatched"
        LATENCY.labels(route).observe(time.perf_counter() - started)
        return response


class TrustedProxyMiddleware:
    """Believe forwarding headers only from a trusted proxy; refuse a malformed one with 400.

    From anyone else they are removed before any layer reads them: Django's
    SECURE_PROXY_SSL_HEADER (X-Forwarded-Proto), and any library that reads X-Forwarded-For.
    From a trusted proxy, an X-Forwarded-For that names no client is a misconfigured proxy:
    refused, never guessed, so that no request is counted under another client's address.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not from_trusted_proxy(request):
            for key in [k for k in request.META if k.startswith(_FORWARDING_PREFIXES)]:
                del request.META[key]
            request.__dict__.pop("headers", None)  # a view of META read before: read again
        try:
            address = client_address(request)
        except ForwardedForInvalid as error:
            peer = request.META.get("REMOTE_ADDR", "")
            request.META[LOGGED_ADDRESS] = peer
            logger.warning("forwarding header refused", extra={"peer": peer, "error": str(error)})
            with in_language_of(request):
                refusal = _("The proxy sent an invalid X-Forwarded-For header.")
            return HttpResponse(refusal, status=400, content_type="text/plain; charset=utf-8")
        # META is the WSGI environ: gunicorn's access log prints this (gunicorn.conf.py).
        request.META[LOGGED_ADDRESS] = address or "-"
        return self.get_response(request)


class RefuseNulBytesMiddleware:
    """Refuse a request whose parameters carry a NUL character, before any view sees it.

    No form or protocol of firmid takes one, and PostgreSQL rejects NUL in text with an
    error that would otherwise surface as a 500 wherever the value reaches a query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            if request.path.startswith("/oauth/"):
                body = {"error": "invalid_request", "error_description": "A parameter contains a NUL character."}
                return JsonResponse(body, status=400)
            with in_language_of(request):
                refusal = _("A parameter contains a NUL character.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": refusal, "code": "invalid"}, status=400)
            return HttpResponse(refusal, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    params = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        params.append(request.POST)
    return any("\x00" in key or any("\x00" in v for v in values) for qd in params for key, values in qd.lists())
