"""Values read once per request: remembered for the request's duration, never beyond.

One request is one step of a user's. Several parts of a step (the session policy, allauth's
MFA adapter, the sign-in stages, the provider's views and its validator) ask the same
questions of the database; within the step they get the same answer from one read. The
next request reads again, so a change made elsewhere applies at the user's very next step.
Outside a request (CLI, tests calling services) nothing is remembered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_memo: ContextVar[dict[str, dict] | None] = ContextVar("firmid_request_memo", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembered(kind: str) -> dict | None:
    """This request's memo of `kind` (empty at first), or None outside a request."""
    memo = _memo.get()
    return None if memo is None else memo.setdefault(kind, {})


def forget(kind: str) -> None:
    memo = _memo.get()
    if memo is not None:
        memo.pop(kind, None)


class RequestMemoMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_scope():
            return self.get_response(request)
