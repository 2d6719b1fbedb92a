from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from firmid.ops.metrics import LATENCY


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
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "A parameter contains a NUL character.", "code": "invalid"}, status=400)
            return HttpResponse("A parameter contains a NUL character.", status=400, content_type="text/plain")
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    params = [request.GET]
    if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        params.append(request.POST)
    return any("\x00" in key or any("\x00" in v for v in values) for qd in params for key, values in qd.lists())
