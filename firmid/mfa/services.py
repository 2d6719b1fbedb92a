"""Writes of MFA policy: firm levels, a user's individual activation (and its undoing), a user's reset."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from cryptography.fernet import InvalidToken
from django.db import transaction

from firmid.accounts.models import User
from firmid.accounts.permissions import require_can_change_mfa
from firmid.accounts.services import user_end_sessions
from firmid.audit.services import audit_record
from firmid.core.errors import Conflict, ServiceError
from firmid.mfa import crypto, guard, notifications
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import (
    firm_mfa_levels,
    firm_sso_user_types,
    forget_decisions,
    user_mfa_decision,
    user_mfa_decision_after_deactivation,
)
from firmid.policy import Decision, MfaLevel, Status, UserType

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.tenancy.models import Firm


class ConfirmationRequired(ServiceError):
    """Lowering a type to Upon request must be confirmed: it lowers protection."""

    status = 409
    code = "confirmation_required"


@dataclass(frozen=True)
class LevelChange:
    user_type: UserType
    old: MfaLevel
    new: MfaLevel

    @property
    def is_deactivation(self) -> bool:
        return self.new is MfaLevel.UPON_REQUEST and self.old is not MfaLevel.UPON_REQUEST

    def __str__(self) -> str:
        return f"{self.user_type.label}: {self.old.label} → {self.new.label}"


def parse_levels(raw: Mapping[str, str]) -> dict[UserType, MfaLevel]:
    """Turn {user type: level} from outside into domain values, or refuse with a clear message."""
    parsed: dict[UserType, MfaLevel] = {}
    for raw_type, raw_level in raw.items():
        parsed[_parse(UserType, raw_type, "user type")] = _parse(MfaLevel, raw_level, "MFA level")
    return parsed


def _parse(enum: type, raw: str, what: str):  # noqa: ANN202
    try:
        return enum(raw)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise ServiceError(f"Unknown {what} {str(raw)[:40]!r}: choose one of {choices}.") from None


def plan_level_changes(*, firm: Firm, levels: Mapping[UserType, MfaLevel]) -> list[LevelChange]:
    """Return what saving `levels` would change; refuse types that the firm's SSO manages."""
    sso_types = firm_sso_user_types(firm=firm)
    refused = [t for t in levels if t in sso_types]
    if refused:
        names = ", ".join(t.label for t in refused)
        raise Conflict(
            f"{names} of {firm.name} sign in through the firm's SSO connection: their identity "
            "provider manages MFA, so firmid cannot set an MFA level for them."
        )
    current = firm_mfa_levels(firm=firm)
    return [LevelChange(t, current[t], new) for t, new in levels.items() if current[t] is not new]


def firm_set_mfa_levels(
    *,
    actor: User,
    firm: Firm,
    levels: Mapping[UserType, MfaLevel],
    confirmed: bool = False,
    request: HttpRequest | None = None,
) -> list[LevelChange]:
    """Save a firm's MFA levels: one row per user type, applying to all its users at once."""
    require_can_change_mfa(actor)
    with transaction.atomic():
        # Lock the firm row so that two agents saving at once see each other's change.
        type(firm).objects.select_for_update().filter(pk=firm.pk).first()
        changes = plan_level_changes(firm=firm, levels=levels)
        if any(c.is_deactivation for c in changes) and not confirmed:
            raise ConfirmationRequired("Moving a user type to Upon request must be confirmed.")
        for change in changes:
            _save_level(actor=actor, firm=firm, change=change, request=request)
    return changes


def _save_level(*, actor: User, firm: Firm, change: LevelChange, request: HttpRequest | None) -> None:
    FirmMfaLevel.objects.update_or_create(
        firm=firm, user_type=change.user_type.value, defaults={"level": change.new.value}
    )
    audit_record(
        action="mfa_level_changed",
        actor=actor,
        firm=firm,
        request=request,
        user_type=change.user_type.value,
        old_value=change.old.value,
        new_value=change.new.value,
    )


def user_activate_mfa(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Ask `user` to set MFA up at their next sign-in, whatever their firm's level."""
    require_can_change_mfa(actor)
    status = user_mfa_decision(user=user).status
    if status not in (Status.NOT_OFFERED, Status.SUGGESTED):
        raise Conflict(f"MFA cannot be activated for this user: their status is {status.value}.")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(mfa_individually_activated=True)
        forget_decisions()
        audit_record(
            action="mfa_user_activated", actor=actor, subject=user, request=request,
            old_value=status.value, new_value=Status.FORCED.value,
        )
    user.mfa_individually_activated = True


def user_deactivate_mfa(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Undo MFA's individual activation for `user`; a factor they configured stays and is still asked for."""
    require_can_change_mfa(actor)
    before = require_mfa_deactivatable(user=user)
    after = user_mfa_decision_after_deactivation(user=user)
    with transaction.atomic():
        # Only one of two agents undoing it at once changes the row, and only that one audits.
        undone = User.objects.filter(pk=user.pk, mfa_individually_activated=True).update(
            mfa_individually_activated=False
        )
        if not undone:
            raise Conflict("MFA's individual activation for this user was already undone.")
        forget_decisions()
        audit_record(
            action="mfa_user_deactivated", actor=actor, subject=user, request=request,
            old_value=before.status.value, new_value=after.status.value,
            detail="individual activation undone; configured factors kept",
        )
    user.mfa_individually_activated = False


def require_mfa_deactivatable(*, user: User) -> Decision:
    """Refuse unless firmid manages `user`'s MFA and it was activated for them individually; return their decision."""
    decision = user_mfa_decision(user=user)
    if user.is_support_agent:
        raise Conflict("Support agents always use MFA: it cannot be deactivated for them.")
    if decision.managed_by_sso:
        raise Conflict(
            "This user signs in through their firm's SSO connection: their identity provider manages "
            "MFA, so it cannot be deactivated here."
        )
    if not decision.forced_by_activation:
        raise Conflict("MFA was not activated for this user: there is no individual activation to undo.")
    return decision


def user_reset_mfa(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Remove the user's factors and end their sessions; their firm's level (and any individual activation) apply."""
    require_can_change_mfa(actor)
    if user.is_support_agent or user_mfa_decision(user=user).status is Status.MANAGED_BY_SSO:
        raise Conflict("This user's MFA is not managed by firmid, so it cannot be reset here.")
    with transaction.atomic():
        removed = Authenticator.objects.filter(user=user).delete()[0]
        guard.clear(user_id=user.pk)
        user_end_sessions(user=user)
        audit_record(
            action="mfa_reset", actor=actor, subject=user, request=request,
            detail=f"{removed} factor(s) removed, sessions ended",
        )
        transaction.on_commit(lambda: notifications.factor_reset(user=user))


@transaction.atomic
def totp_secrets_rotate() -> int:
    """Re-encrypt every TOTP secret under the newest key, all or none; return how many."""
    factors = list(Authenticator.objects.select_for_update().filter(type=Authenticator.Type.TOTP))
    for factor in factors:
        try:
            factor.data = {**factor.data, "secret": crypto.reencrypt(factor.data["secret"])}
        except InvalidToken:
            raise ServiceError(
                f"The TOTP secret of authenticator {factor.pk} cannot be decrypted with any configured "
                "key (FIRMID_ENCRYPTION_KEYS): nothing was re-encrypted."
            ) from None
    Authenticator.objects.bulk_update(factors, ["data"], batch_size=500)
    audit_record(action="mfa_keys_rotated", detail=f"{len(factors)} TOTP secret(s) re-encrypted")
    return len(factors)
