"""Writes of a firm's MFA levels: one level per user type, confirmed before it lowers protection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from firmid.accounts.models import User
from firmid.accounts.permissions import require_can_change_mfa
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core.errors import Conflict, ServiceError
from firmid.mfa.levels.selectors import firm_mfa_levels, firm_sso_user_types
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType

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
        action=AuditAction.MFA_LEVEL_CHANGED,
        actor=actor,
        firm=firm,
        request=request,
        user_type=change.user_type.value,
        old_value=change.old.value,
        new_value=change.new.value,
    )
