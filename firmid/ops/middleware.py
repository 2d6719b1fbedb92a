from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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

