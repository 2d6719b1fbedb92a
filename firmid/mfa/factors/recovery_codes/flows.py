"""Recovery codes' use-cases: a set issued (with the first factor, or regenerated), a code spent.

The plain codes exist only in the response that shows them and, until then, in the session
of the user they belong to (`stash`, `take_shown`): never in the database, a log or an audit row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from allauth.mfa.models import Authenticator
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q

from firmid.accounts.models import User
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core.errors import Conflict, ServiceError
from firmid.mfa import guard
from firmid.mfa.factors.recovery_codes import codes, notifications, store
from firmid.mfa.verification import Outcome, verify_answer

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger("firmid.mfa")

# Fresh codes waiting to be shown once: {"user": public id, "codes": [...]}.
FRESH = "firmid_recovery_codes_fresh"
# At or below this many codes left, pages and e-mails ask the user to generate a new set.
FEW_LEFT = 3


def recovery_codes_issue(*, user: User, request: HttpRequest | None, with_first_factor: bool = False) -> list[str]:
    """Make a new set for `user`, replacing any old one at once, with its audit row; return the plain codes."""
    plain = codes.new_codes()
    try:
        with transaction.atomic():
            _, replaced = store.replace(user_id=user.pk, digests=[codes.digest(c) for c in plain])
            audit_record(
                action=AuditAction.MFA_RECOVERY_CODES_GENERATED,
                actor=user,
                subject=user,
                request=request,
                factor_type=store.KIND,
                detail=_issued_detail(replaced=replaced, with_first_factor=with_first_factor),
            )
    except IntegrityError:  # two first sets at once: one was stored, this one is not
        raise Conflict(_("Recovery codes were just generated in another window: generate them again.")) from None
    if replaced:
        notifications.codes_regenerated(user=user)
    return plain


def _issued_detail(*, replaced: bool, with_first_factor: bool) -> str:
    if replaced:
        return f"{codes.COUNT} new codes; the previous set no longer works"
    return f"{codes.COUNT} codes" + (", with the first factor" if with_first_factor else "")


def recovery_codes_remove(*, request: HttpRequest, user: User) -> bool:
    """Remove the user's set at their request, with its audit row; False if there was none."""
    with transaction.atomic():
        row = store.user_set(user_id=user.pk)
        if row is None:
            return False
        audit_record(
            action=AuditAction.MFA_FACTOR_REMOVED, actor=user, subject=user, request=request, factor_type=store.KIND
        )
        row.delete()
    return True


def recovery_codes_left(*, user: User) -> int | None:
    """How many unused recovery codes `user` has; None when they have no set."""
    row = store.user_set(user_id=user.pk)
    return None if row is None else store.unused_count(row)


def has_recovery_codes(*, user: User) -> bool:
    return store.user_set(user_id=user.pk) is not None


@dataclass
class RecoveryCodeUse:
    """A recovery code checked: the outcome, the stored set, how many codes are left after it."""

    outcome: Outcome
    authenticator: Authenticator | None = None
    left: int = 0

    @property
    def few_left(self) -> bool:
        return self.outcome is Outcome.ACCEPTED and self.left <= FEW_LEFT


def use_recovery_code(
    *, user: User, raw_code: str, request: HttpRequest | None, purpose: AuditAction
) -> RecoveryCodeUse:
    """Check and spend a recovery code through the shared attempt guard; e-mail the user once it is spent."""
    row = store.user_set(user_id=user.pk)
    # No set: the same answer as a wrong code, counted as one (nothing to learn by trying).
    check = _Check(authenticator_id=row.pk if row is not None else 0, user=user, request=request)
    outcome = verify_answer(check=check, user=user, secret="", raw_code=raw_code, request=request, purpose=purpose)
    if outcome is not Outcome.ACCEPTED:
        return RecoveryCodeUse(outcome=outcome)
    row.refresh_from_db()
    notifications.code_used(user=user, request=request, left=check.left)
    return RecoveryCodeUse(outcome=outcome, authenticator=row, left=check.left)


@dataclass
class _Check:
    """What the shared guard (verification.CodeCheck) needs to check a recovery code."""

    authenticator_id: int
    user: User
    request: HttpRequest | None
    kind: str = store.KIND
    left: int = 0

    def parse(self, raw: str) -> str | None:
        return codes.parse_code(raw)

    def match(self, secret: str, code: str) -> object | None:
        # Read under the guard row's lock (verify_answer took it): the set as it is now.
        row = Authenticator.objects.filter(pk=self.authenticator_id, user_id=self.user.pk, type=store.KIND).first()
        if row is None or store.knows(row, code) is None:
            return None
        return codes.digest(code)  # a used code matches too: spend() then calls it a replay

    def spend(self, *, user_id: int, proof: object) -> bool:
        left = store.spend(authenticator_id=self.authenticator_id, user_id=user_id, code_digest=str(proof))
        if left is None:
            return False
        self.left = left
        # A right answer forgets past failures, as a right TOTP code does.
        guard.spend_and_reset(user_id=user_id, unspent=Q(), spent={})
        # In verify_answer's transaction: the code is spent with its audit row, or not at all.
        audit_record(
            action=AuditAction.MFA_RECOVERY_CODE_USED,
            actor=self.user,
            subject=self.user,
            request=self.request,
            factor_type=store.KIND,
            detail=f"{left} left",
        )
        return True


# Showing a fresh set once.


def stash(request: HttpRequest, user: User, plain: list[str]) -> None:
    """Keep a fresh set in the session until its page shows it (once)."""
    request.session[FRESH] = {"user": str(user.public_id), "codes": plain}


def has_fresh(request: HttpRequest, user: User) -> bool:
    fresh = request.session.get(FRESH)
    return bool(fresh) and fresh.get("user") == str(user.public_id)


def take_shown(request: HttpRequest, user: User) -> list[str]:
    """Return the fresh set to show, removing it from the session: a second look finds nothing."""
    if not has_fresh(request, user):
        return []
    return list(request.session.pop(FRESH)["codes"])


def issue_with_first_factor(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    """A second factor was set up: give a user without recovery codes a set, to be shown once."""
    if request is None or authenticator.type == store.KIND or has_recovery_codes(user=user):
        return
    try:
        plain = recovery_codes_issue(user=user, request=request, with_first_factor=True)
    except (DatabaseError, ServiceError):
        # The factor is stored already: it stands. The set (and its audit row) was not, and
        # My account offers to generate one.
        logger.warning("recovery codes not generated with the first factor", exc_info=True)
        return
    stash(request, user, plain)


def connect() -> None:
    from allauth.mfa import signals

    signals.authenticator_added.connect(issue_with_first_factor, dispatch_uid="firmid_recovery_codes_first_factor")
