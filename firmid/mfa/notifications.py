"""Emails that tell a user about their second factor (ASVS 6.3.5, 6.3.7).

They need no request, so the CLI and the API send the same ones as the web.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmid.accounts.language import language_of
from firmid.core.mail import send_templated

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.accounts.models import User

_FAILURE_NOTIFIED = "firmid_mfa_failure_notified"


def _send(template: str, user: User, **extra: object) -> None:
    send_templated(template, user.email, {"user": user, **extra}, language=language_of(user))


def second_factor_failed(*, user: User, request: HttpRequest | None, locked: bool) -> None:
    """Tell the user their password was used but the code was wrong: once per sign-in, and at a lock."""
    session = getattr(request, "session", None)
    if not locked and session is not None and session.get(_FAILURE_NOTIFIED):
        return
    if session is not None:
        session[_FAILURE_NOTIFIED] = True
    _send("mfa_locked" if locked else "mfa_failed", user)


def factor_enrolled(*, user: User) -> None:
    _send("mfa_enrolled", user)


def factor_replaced(*, user: User) -> None:
    _send("mfa_replaced", user)


def factor_reset(*, user: User) -> None:
    _send("mfa_reset", user)


def browser_trusted(*, user: User, label: str, days: int) -> None:
    _send("browser_trusted", user, label=label, days=days)


def setup_link(*, user: User, url: str, hours: int) -> None:
    _send("setup_link", user, url=url, hours=hours)


def email_code(*, user: User, code: str, minutes: int) -> None:
    _send("email_code", user, code=code, minutes=minutes)
