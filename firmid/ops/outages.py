"""A store firmid needs cannot serve: one 503 answer with Retry-After, logged once per outage.

The stores are the database (lost, or refusing writes: firmid/ops/store_errors.py) and the
shared cache (Redis; the database's cache table is the database). Whatever layer meets the
error, the request ends in Django's 500 handler, `server_error` here: a page gets an HTML
503, /api/ and the OAuth endpoints JSON, every one with Retry-After and never stored. Nothing
is decided without its store: a password is never checked without its rate limit.

An outage is logged when it starts, at most once a minute while it lasts, and when the store
answers again (a new database connection, a Redis command that succeeds), per process;
`firmid_store_unavailable_total{store}` counts the requests answered 503.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass

import redis
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from prometheus_client import Counter

from firmid.core.seams.django import mark_logged
from firmid.ops.pages import in_language_of, page
from firmid.ops.store_errors import is_read_only, is_store_unavailable

logger = logging.getLogger("firmid.ops")

RETRY_AFTER_SECONDS = 5
# While an outage lasts, one reminder line a minute at most; silence this long ends it.
REPEAT_LOG_SECONDS = 60

DATABASE = "database"
DATABASE_READ_ONLY = "database_read_only"
CACHE = "cache"

UNAVAILABLE = Counter("firmid_store_unavailable_total", "Requests answered 503: a store did not serve", ["store"])

# For people, in the request's language (firmid/ops/pages.py); the OAuth endpoints' error_description
# stays English: RFC 6749 §5.2 allows ASCII only there.
_MESSAGES = {
    DATABASE: gettext_lazy("firmid cannot reach its database right now. Please try again in a moment."),
    DATABASE_READ_ONLY: gettext_lazy("firmid cannot save changes right now. Please try again in a moment."),
    CACHE: gettext_lazy("firmid cannot reach its cache right now. Please try again in a moment."),
}
# Redis gone, silent, still loading its file (BusyLoadingError), full under noeviction, or a
# replica that refuses writes: no attempt can be counted.
REDIS_ERRORS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.OutOfMemoryError,
    redis.exceptions.ReadOnlyError,
)


class CacheUnavailable(Exception):
    """The shared cache did not answer: nothing that needs it (a rate limit) can be decided."""


def unavailable_store(error: BaseException | None) -> str | None:
    """Name the store whose failure `error` is (DATABASE, DATABASE_READ_ONLY, CACHE), or None for a bug."""
    if error is None:
        return None
    if isinstance(error, (CacheUnavailable, *REDIS_ERRORS)):
        return CACHE
    if is_read_only(error):
        return DATABASE_READ_ONLY
    if is_store_unavailable(error):
        return DATABASE
    return None


@dataclass
class _Outage:
    started: float
    last_failure: float
    last_logged: float


_lock = threading.Lock()
_outages: dict[str, _Outage] = {}


def note_unavailable(*, store: str, error: BaseException) -> None:
    """Record that `store` failed; log it if this starts an outage, or once a minute while it lasts."""
    now = time.monotonic()
    with _lock:
        outage = _outages.get(store)
        starts = outage is None or now - outage.last_failure > REPEAT_LOG_SECONDS
        if starts:
            outage = _outages[store] = _Outage(started=now, last_failure=now, last_logged=now)
        reminds = not starts and now - outage.last_logged >= REPEAT_LOG_SECONDS
        outage.last_failure = now
        if reminds:
            outage.last_logged = now
        lasted = now - outage.started
    extra = {"store": store, "error": type(error).__name__}
    if starts:
        logger.error(f"{store} unavailable: answering 503", extra=extra, exc_info=error)
    elif reminds:
        logger.error(f"{store} still unavailable", extra={**extra, "outage_seconds": round(lasted)})


def note_available(*, store: str) -> None:
    """Record that `store` answered; log the end of its outage if one was recorded."""
    if store not in _outages:  # the common case, without the lock
        return
    with _lock:
        outage = _outages.pop(store, None)
    if outage is not None:
        lasted = time.monotonic() - outage.started
        logger.warning(f"{store} available again", extra={"store": store, "outage_seconds": round(lasted, 1)})


def _database_connected(sender: object, connection: object, **kwargs: object) -> None:
    # A new connection is the database answering again (connections are health-checked).
    note_available(store=DATABASE)


connection_created.connect(_database_connected, dispatch_uid="firmid.ops.outages")


def outage_response(request: HttpRequest, *, store: str) -> HttpResponse:
    """The 503 for `store`: JSON on the API and OAuth endpoints, a page elsewhere; retry in a moment."""
    path = request.path
    if path.startswith(("/oauth/", "/.well-known/")):
        with translation.override("en"):
            body = {"error": "temporarily_unavailable", "error_description": str(_MESSAGES[store])}
        response = JsonResponse(body, status=503)
    elif path.startswith("/api/"):
        with in_language_of(request) as language:
            response = JsonResponse({"detail": str(_MESSAGES[store]), "code": "unavailable"}, status=503)
        response["Content-Language"] = language
    else:
        with in_language_of(request):
            title, message = _("Temporarily unavailable"), str(_MESSAGES[store])
        response = page(request, title=title, message=message, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler: a store that cannot serve is a 503 with Retry-After; anything else a 500.

    It is the handler, not a middleware, because the database fails first inside other
    middleware (sessions, authentication), where no view's exception hook would see it.
    """
    error = sys.exc_info()[1]
    store = unavailable_store(error)
    if store is None:
        from firmid.ops.views import server_error as plain_server_error

        return plain_server_error(request)
    note_unavailable(store=store, error=error)
    UNAVAILABLE.labels(store).inc()
    response = outage_response(request, store=store)
    # Django logs every 5xx with its traceback (django.request): the outage is logged once
    # instead, by note_unavailable, and counted per request.
    mark_logged(response)
    return response
