"""Checking a second-factor code: strict parsing, the shared attempt guard, then the factor's replay claim.

The attempt counter and lock are one per account, shared by every factor (`guard`); what a
factor adds (`CodeCheck`) is how its code is parsed and matched, and how a right one is spent.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from firmid.audit.actions import AuditAction, AuditOutcome, AuditReason
from firmid.audit.services import audit_record
from firmid.mfa import guard, notifications

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.accounts.models import User


@runtime_checkable
class CodeCheck(Protocol):
    """What the shared guard needs of a factor whose answer is a typed code."""

    kind: str

    def parse(self, raw: str) -> str | None:
        """Return the code if it is well formed, else None."""

    def match(self, secret: str, code: str) -> object | None:
        """Return what the right `code` proves (a TOTP step, say), else None."""

    def spend(self, *, user_id: int, proof: object) -> bool:
        """Claim `proof` and forget past failures in one UPDATE; False if it was claimed already."""


class Outcome(str, Enum):
    ACCEPTED = "accepted"
    MALFORMED = "malformed"
    REFUSED = "refused"
    REPLAYED = "replayed"
    LOCKED = "locked"

    @property
    def message(self) -> str:
        """The words for this outcome, in the active language."""
        return str(_MESSAGES[self])


_MESSAGES = {
    Outcome.ACCEPTED: "",
    Outcome.MALFORMED: gettext_lazy("Enter the 6-digit code shown in your authenticator app, digits only."),
    Outcome.REFUSED: gettext_lazy("This code is not valid. Enter the current code from your authenticator app."),
    # A right code of a step already used (at set-up, say): the next one will do.
    Outcome.REPLAYED: gettext_lazy("This code was just used: wait for the next code in your app."),
    # The same words whether or not the code was right: a lock tells nothing about it.
    Outcome.LOCKED: gettext_lazy("Too many incorrect codes. For your security, sign-in is paused: try again later."),
}


def refusal_message(*, outcome: Outcome, user: User) -> str:
    """The words for a refused code; a lock says how long it lasts, never whether the code was right."""
    if outcome is not Outcome.LOCKED:
        return outcome.message
    seconds = guard.lock_seconds_left(user_id=user.pk)
    if seconds == math.inf:
        return _(
            "Too many incorrect codes. For your security, codes are no longer accepted: contact support to reset your MFA."
        )
    if seconds <= 0:  # the lock ended between the check and these words
        return _("Too many incorrect codes. Try again now.")
    return _("Too many incorrect codes. Try again in %(duration)s.") % {"duration": _duration(seconds)}


def _duration(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    if minutes <= 90:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def verify_answer(
    *, check: CodeCheck, user: User, secret: str, raw_code: str, request: HttpRequest | None, purpose: AuditAction
) -> Outcome:
    """Check a code for `user` against `secret`; each right answer accepted once, within the limits."""
    code = check.parse(raw_code)
    if code is None:
        return Outcome.MALFORMED
    # One transaction: the slot taken, the code's result and its audit row commit together.
    # An attempt the database failed midway leaves no spent slot behind: an outage is never
    # counted as wrong codes (issue 12, item 3). Concurrent attempts queue on the guard row.
    with transaction.atomic():
        outcome, locked = _checked(check=check, user=user, secret=secret, code=code, request=request, purpose=purpose)
    if outcome in (Outcome.REFUSED, Outcome.REPLAYED) or locked:
        # After the commit: a mail server that fails does not undo the counted failure.
        notifications.second_factor_failed(user=user, request=request, locked=locked)
    return outcome


def _checked(
    *, check: CodeCheck, user: User, secret: str, code: str, request: HttpRequest | None, purpose: AuditAction
) -> tuple[Outcome, bool]:
    """The outcome of a well-formed code, and whether this attempt locked the account."""
    if not guard.reserve_attempt(user_id=user.pk):
        audit_record(
            action=purpose,
            outcome=AuditOutcome.LOCKED,
            actor=user,
            subject=user,
            request=request,
            factor_type=check.kind,
        )
        return Outcome.LOCKED, False
    proof = check.match(secret, code)
    if proof is None:
        return _failed(check=check, user=user, request=request, purpose=purpose, replayed=False)
    if check.spend(user_id=user.pk, proof=proof):
        return Outcome.ACCEPTED, False
    # Still a failed attempt (its slot is spent): only the words differ.
    return _failed(check=check, user=user, request=request, purpose=purpose, replayed=True)


def _failed(
    *, check: CodeCheck, user: User, request: HttpRequest | None, purpose: AuditAction, replayed: bool
) -> tuple[Outcome, bool]:
    locked = guard.record_failure(user_id=user.pk)
    reasons = [AuditReason.CODE_REPLAYED] * replayed + [AuditReason.ACCOUNT_LOCKED] * locked
    audit_record(
        action=purpose,
        outcome=AuditOutcome.FAILURE,
        actor=user,
        subject=user,
        request=request,
        factor_type=check.kind,
        reasons=reasons,
    )
    if locked:
        return Outcome.LOCKED, True
    return (Outcome.REPLAYED if replayed else Outcome.REFUSED), False
