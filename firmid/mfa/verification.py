"""Checking a second-factor code: strict parsing, the attempt guard, then replay protection."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from firmid.audit.services import audit_record
from firmid.mfa import guard, notifications, totp

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.accounts.models import User


class Outcome(str, Enum):
    ACCEPTED = "accepted"
    MALFORMED = "malformed"
    REFUSED = "refused"
    LOCKED = "locked"

    @property
    def message(self) -> str:
        return _MESSAGES[self]


_MESSAGES = {
    Outcome.ACCEPTED: "",
    Outcome.MALFORMED: "Enter the 6-digit code shown in your authenticator app, digits only.",
    Outcome.REFUSED: "This code is not valid. Enter the current code from your authenticator app.",
    # The same words whether or not the code was right: a lock tells nothing about it.
    Outcome.LOCKED: "Too many incorrect codes. For your security, sign-in is paused: try again later.",
}


def verify_code(
    *, user: User, secret: str, raw_code: str, request: HttpRequest | None, purpose: str
) -> Outcome:
    """Check a code for `user` against `secret`; at most once per time step, within the limits."""
    code = totp.parse_code(raw_code)
    if code is None:
        return Outcome.MALFORMED
    if not guard.reserve_attempt(user_id=user.pk):
        audit_record(action=purpose, outcome="locked", actor=user, subject=user, request=request, factor_type="totp")
        return Outcome.LOCKED
    step = totp.matching_step(secret, code)
    if step is not None and guard.claim_step_and_reset(user_id=user.pk, step=step):
        return Outcome.ACCEPTED
    return _failed(user=user, request=request, purpose=purpose)


def _failed(*, user: User, request: HttpRequest | None, purpose: str) -> Outcome:
    locked = guard.record_failure(user_id=user.pk)
    audit_record(
        action=purpose,
        outcome="failure",
        actor=user,
        subject=user,
        request=request,
        factor_type="totp",
        detail="account locked" if locked else "",
    )
    notifications.second_factor_failed(user=user, request=request, locked=locked)
    return Outcome.LOCKED if locked else Outcome.REFUSED
