"""Checking a second-factor code: strict parsing, the attempt guard, then replay protection."""

from __future__ import annotations

import math
from enum import Enum
from typing import TYPE_CHECKING

from django.db import transaction

from firmid.audit.services import audit_record
from firmid.mfa import guard, notifications, totp

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.accounts.models import User


class Outcome(str, Enum):
    ACCEPTED = "accepted"
    MALFORMED = "malformed"
    REFUSED = "refused"
    REPLAYED = "replayed"
    LOCKED = "locked"

    @property
    def message(self) -> str:
        return _MESSAGES[self]


_MESSAGES = {
    Outcome.ACCEPTED: "",
    Outcome.MALFORMED: "Enter the 6-digit code shown in your authenticator app, digits only.",
    Outcome.REFUSED: "This code is not valid. Enter the current code from your authenticator app.",
    # A right code of a step already used (at set-up, say): the next one will do.
    Outcome.REPLAYED: "This code was just used: wait for the next code in your app.",
    # The same words whether or not the code was right: a lock tells nothing about it.
    Outcome.LOCKED: "Too many incorrect codes. For your security, sign-in is paused: try again later.",
}


def refusal_message(*, outcome: Outcome, user: User) -> str:
    """The words for a refused code; a lock says how long it lasts, never whether the code was right."""
    if outcome is not Outcome.LOCKED:
        return outcome.message
    seconds = guard.lock_seconds_left(user_id=user.pk)
    if seconds == math.inf:
        return "Too many incorrect codes. For your security, codes are no longer accepted: contact support to reset your MFA."
    if seconds <= 0:  # the lock ended between the check and these words
        return "Too many incorrect codes. Try again now."
    return f"Too many incorrect codes. Try again in {_duration(seconds)}."


def _duration(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    if minutes <= 90:
        return f"{minutes} minute{'s' if minutes > 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"


def verify_code(
    *, user: User, secret: str, raw_code: str, request: HttpRequest | None, purpose: str
) -> Outcome:
    """Check a code for `user` against `secret`; at most once per time step, within the limits."""
    code = totp.parse_code(raw_code)
    if code is None:
        return Outcome.MALFORMED
    # One transaction: the slot taken, the code's result and its audit row commit together.
    # An attempt the database failed midway leaves no spent slot behind: an outage is never
    # counted as wrong codes (issue 12, item 3). Concurrent attempts queue on the guard row.
    with transaction.atomic():
        outcome, locked = _checked(user=user, secret=secret, code=code, request=request, purpose=purpose)
    if outcome in (Outcome.REFUSED, Outcome.REPLAYED) or locked:
        # After the commit: a mail server that fails does not undo the counted failure.
        notifications.second_factor_failed(user=user, request=request, locked=locked)
    return outcome


def _checked(*, user: User, secret: str, code: str, request: HttpRequest | None, purpose: str) -> tuple[Outcome, bool]:
    """The outcome of a well-formed code, and whether this attempt locked the account."""
    if not guard.reserve_attempt(user_id=user.pk):
        audit_record(action=purpose, outcome="locked", actor=user, subject=user, request=request, factor_type="totp")
        return Outcome.LOCKED, False
    step = totp.matching_step(secret, code)
    if step is None:
        return _failed(user=user, request=request, purpose=purpose, replayed=False)
    if guard.claim_step_and_reset(user_id=user.pk, step=step):
        return Outcome.ACCEPTED, False
    # Still a failed attempt (its slot is spent): only the words differ.
    return _failed(user=user, request=request, purpose=purpose, replayed=True)


def _failed(*, user: User, request: HttpRequest | None, purpose: str, replayed: bool) -> tuple[Outcome, bool]:
    locked = guard.record_failure(user_id=user.pk)
    details = ["code already used" if replayed else "", "account locked" if locked else ""]
    audit_record(
        action=purpose,
        outcome="failure",
        actor=user,
        subject=user,
        request=request,
        factor_type="totp",
        detail="; ".join(filter(None, details)),
    )
    if locked:
        return Outcome.LOCKED, True
    return (Outcome.REPLAYED if replayed else Outcome.REFUSED), False
