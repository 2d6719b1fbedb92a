"""Emails that tell a user about their second factor (ASVS 6.3.5, 6.3.7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.adapter import get_adapter

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.accounts.models import User

_FAILURE_NOTIFIED = "firmid_mfa_failure_notified"


def second_factor_failed(*, user: User, request: HttpRequest | None, locked: bool) -> None:
    """Tell the user their password was used but the code was wrong: once per sign-in, and at a lock."""
    session = getattr(request, "session", None)
    if not locked and session is not None and session.get(_FAILURE_NOTIFIED):
        return
    if session is not None:
        session[_FAILURE_NOTIFIED] = True
    template = "firmid/email/mfa_locked" if locked else "firmid/email/mfa_failed"
    get_adapter().send_mail(template, user.email, {"user": user})


def factor_enrolled(*, user: User) -> None:
    get_adapter().send_mail("firmid/email/mfa_enrolled", user.email, {"user": user})


def factor_reset(*, user: User) -> None:
    get_adapter().send_mail("firmid/email/mfa_reset", user.email, {"user": user})
