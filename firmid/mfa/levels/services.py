"""Writes of a firm's MFA settings: per user type, the level (with its rollout date) and the factor options.

Every save is one transaction with an audit row per change. Two kinds of save lower what
users face and must be confirmed: moving a type to Upon request, and restricting the
allowed methods so that some users' only factor is no longer allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from firmid.accounts.models import User
from firmid.accounts.permissions import require_can_change_mfa
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core import clock
from firmid.core.errors import Conflict, ServiceError
from firmid.mfa.levels.changes import (
    OPTION_NAMES,
    LevelChange,
    OptionChange,
    SettingsPlan,
    audit_value,
    day_text,
    users_losing_their_factor,
)
from firmid.mfa.levels.inputs import (
    MAX_TRUST_BROWSER_DAYS,
    METHOD_ORDER,
    METHOD_TO_ADD,
    TypeSettingsInput,
    parse_levels,
)
from firmid.mfa.levels.selectors import TypeMfaOptions, firm_sso_user_types, options_of_row
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import SECOND_FACTOR_KINDS, format_allowed_methods
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.labels import label

if TYPE_CHECKING:
    from datetime import datetime

    from django.http import HttpRequest

    from firmid.tenancy.models import Firm

__all__ = [
    "ConfirmationRequired",
    "LevelChange",
    "OptionChange",
    "SettingsPlan",
    "TypeSettingsInput",
    "firm_save_mfa_settings",
    "firm_set_mfa_levels",
    "parse_levels",
    "plan_level_changes",
    "plan_settings",
]

# Whole sentences per type (the restriction's words).
_PEOPLE = {
    UserType.PRACTITIONERS: lambda count: ngettext(
        "%(count)d practitioner will have to add %(to_add)s at their next sign-in.",
        "%(count)d practitioners will have to add %(to_add)s at their next sign-in.",
        count,
    ),
    UserType.CLIENTS: lambda count: ngettext(
        "%(count)d client will have to add %(to_add)s at their next sign-in.",
        "%(count)d clients will have to add %(to_add)s at their next sign-in.",
        count,
    ),
    UserType.CLIENT_EMPLOYEES: lambda count: ngettext(
        "%(count)d client employee will have to add %(to_add)s at their next sign-in.",
        "%(count)d client employees will have to add %(to_add)s at their next sign-in.",
        count,
    ),
}


class ConfirmationRequired(ServiceError):
    """Lowering a type to Upon request, or taking away some users' only factor, must be confirmed."""

    status = 409
    code = "confirmation_required"


def plan_settings(*, firm: Firm, settings: Mapping[UserType, TypeSettingsInput]) -> SettingsPlan:
    """Return what saving `settings` would change; refuse SSO types and invalid combinations."""
    _refuse_sso_types(firm=firm, user_types=list(settings))
    current = _current_options(firm=firm)
    now = clock.now()
    level_changes: list[LevelChange] = []
    option_changes: list[OptionChange] = []
    proposed: dict[UserType, TypeMfaOptions] = {}
    restrictions: list[str] = []
    for user_type, given in settings.items():
        old = current[user_type]
        new, level_change = _proposed(user_type=user_type, old=old, given=given, now=now)
        proposed[user_type] = new
        level_changes += [level_change] if level_change else []
        option_changes += _option_changes(user_type=user_type, old=old, new=new)
        restriction = _restriction(firm=firm, user_type=user_type, old=old, new=new)
        restrictions += [restriction] if restriction else []
    return SettingsPlan(tuple(level_changes), tuple(option_changes), proposed, tuple(restrictions))


def _refuse_sso_types(*, firm: Firm, user_types: list[UserType]) -> None:
    sso_types = firm_sso_user_types(firm=firm)
    refused = [t for t in user_types if t in sso_types]
    if refused:
        names = ", ".join(label(t) for t in refused)
        raise Conflict(
            _(
                "%(types)s of %(firm)s sign in through the firm's SSO connection: their identity "
                "provider manages MFA, so firmid cannot set an MFA level for them."
            )
            % {"types": names, "firm": firm.name}
        )


def _current_options(*, firm: Firm) -> dict[UserType, TypeMfaOptions]:
    saved = {row.user_type: options_of_row(row) for row in FirmMfaLevel.objects.filter(firm=firm)}
    return {t: saved.get(t.value, TypeMfaOptions()) for t in UserType}


def _proposed(
    *, user_type: UserType, old: TypeMfaOptions, given: TypeSettingsInput, now: datetime
) -> tuple[TypeMfaOptions, LevelChange | None]:
    """The type's settings once `given` is saved, and the level change if any; refuse what cannot hold."""
    level = old.level if given.level is None else given.level
    new_from = _valid_date(user_type=user_type, old=old, given=given, now=now)
    old_from = old.mandatory_from if old.mandatory_from and old.mandatory_from > now else None
    level_change = None
    if given.level is not None and (old.level, old_from) != (level, new_from):
        level_change = LevelChange(user_type, old.level, level, old_from, new_from)
    options = {name: getattr(given, name) for name in OPTION_NAMES if getattr(given, name) is not None}
    # Kept as it is when the level is (a date passed since it was saved: the level has applied since).
    mandatory_from = new_from if level_change else old.mandatory_from
    new = replace(old, level=level, mandatory_from=mandatory_from, **options)
    _check_options(user_type=user_type, options=new)
    return new, level_change


def _check_options(*, user_type: UserType, options: TypeMfaOptions) -> None:
    """Refuse options that cannot hold together (the edges parse each value; this holds for all)."""
    if not 0 <= options.trust_browser_days <= MAX_TRUST_BROWSER_DAYS:
        raise ServiceError(
            _("Trust this browser: from 0 (never offered) to %(max)d days.") % {"max": MAX_TRUST_BROWSER_DAYS}
        )
    if not options.allowed_methods or not options.allowed_methods <= SECOND_FACTOR_KINDS:
        raise ServiceError(_("Allow at least one method, among totp and webauthn."))
    if options.passwordless_passkeys and "webauthn" not in options.allowed_methods:
        raise ServiceError(
            _(
                "Passkey sign-in without a password needs Passkeys and security keys among the allowed "
                "methods of %(type)s."
            )
            % {"type": label(user_type)}
        )


def _valid_date(
    *, user_type: UserType, old: TypeMfaOptions, given: TypeSettingsInput, now: datetime
) -> datetime | None:
    """The rollout date given, if it is still ahead: only with Mandatory, and never a new one in the past."""
    moment = given.mandatory_from
    if moment is None:
        return None
    if given.level is None:
        raise ServiceError(
            _("Give the Mandatory level of %(type)s with its Mandatory from date.") % {"type": label(user_type)}
        )
    if given.level is not MfaLevel.MANDATORY:
        raise ServiceError(
            _("Mandatory from goes with the Mandatory level only (%(type)s: %(level)s).")
            % {"type": label(user_type), "level": label(given.level)}
        )
    if moment > now:
        return moment
    if moment == old.mandatory_from and old.level is MfaLevel.MANDATORY:
        return None  # saved earlier and reached since: the level applies, as it has since that day
    raise ServiceError(
        _(
            "Mandatory from %(day)s for %(type)s is not in the future. Choose a later day, "
            "or leave the date empty: tightening with no date takes effect at once."
        )
        % {"day": day_text(moment), "type": label(user_type)}
    )


def _option_changes(*, user_type: UserType, old: TypeMfaOptions, new: TypeMfaOptions) -> list[OptionChange]:
    return [
        OptionChange(user_type, name, getattr(old, name), getattr(new, name))
        for name in OPTION_NAMES
        if getattr(old, name) != getattr(new, name)
    ]


def _restriction(*, firm: Firm, user_type: UserType, old: TypeMfaOptions, new: TypeMfaOptions) -> str | None:
    """Say how many users lose their only allowed factor by this change of methods (None: nobody)."""
    removed = old.allowed_methods - new.allowed_methods
    if not removed:
        return None
    count = users_losing_their_factor(firm=firm, user_type=user_type, removed=removed, kept=new.allowed_methods)
    if not count:
        return None
    kinds = [str(METHOD_TO_ADD[k]) for k in METHOD_ORDER if k in new.allowed_methods]
    to_add = kinds[0] if len(kinds) == 1 else _("%(first)s or %(second)s") % {"first": kinds[0], "second": kinds[1]}
    return _PEOPLE[user_type](count) % {"count": count, "to_add": to_add}


def firm_save_mfa_settings(
    *,
    actor: User,
    firm: Firm,
    settings: Mapping[UserType, TypeSettingsInput],
    confirmed: bool = False,
    request: HttpRequest | None = None,
) -> SettingsPlan:
    """Save a firm's MFA settings per user type (level, date, options) in one transaction, audited."""
    require_can_change_mfa(actor)
    with transaction.atomic():
        # Lock the firm row so that two agents saving at once see each other's change.
        type(firm).objects.select_for_update().filter(pk=firm.pk).first()
        plan = plan_settings(firm=firm, settings=settings)
        if plan.needs_confirmation and not confirmed:
            raise ConfirmationRequired(plan.confirmation_message)
        for user_type in plan.changed_types():
            _save_row(firm=firm, user_type=user_type, options=plan.proposed[user_type])
        for change in plan.level_changes:
            _audit_level(actor=actor, firm=firm, change=change, request=request)
        for change in plan.option_changes:
            _audit_option(actor=actor, firm=firm, change=change, request=request)
    return plan


def firm_set_mfa_levels(
    *,
    actor: User,
    firm: Firm,
    levels: Mapping[UserType, MfaLevel],
    confirmed: bool = False,
    request: HttpRequest | None = None,
) -> list[LevelChange]:
    """Save a firm's MFA levels (at once, options unchanged): one row per user type, for all its users."""
    settings = {user_type: TypeSettingsInput(level=level) for user_type, level in levels.items()}
    plan = firm_save_mfa_settings(actor=actor, firm=firm, settings=settings, confirmed=confirmed, request=request)
    return list(plan.level_changes)


def plan_level_changes(*, firm: Firm, levels: Mapping[UserType, MfaLevel]) -> list[LevelChange]:
    """Return what saving `levels` (at once) would change; refuse types that the firm's SSO manages."""
    settings = {user_type: TypeSettingsInput(level=level) for user_type, level in levels.items()}
    return list(plan_settings(firm=firm, settings=settings).level_changes)


def _save_row(*, firm: Firm, user_type: UserType, options: TypeMfaOptions) -> None:
    FirmMfaLevel.objects.update_or_create(
        firm=firm,
        user_type=user_type.value,
        defaults={
            "level": options.level.value,
            "mandatory_from": options.mandatory_from if options.level is MfaLevel.MANDATORY else None,
            "allowed_methods": format_allowed_methods(options.allowed_methods),
            "passwordless_passkeys": options.passwordless_passkeys,
            "trust_browser_days": options.trust_browser_days,
            "email_code_before_enrolment": options.email_code_before_enrolment,
        },
    )


def _audit_level(*, actor: User, firm: Firm, change: LevelChange, request: HttpRequest | None) -> None:
    audit_record(
        action=AuditAction.MFA_LEVEL_CHANGED,
        actor=actor,
        firm=firm,
        request=request,
        user_type=change.user_type.value,
        old_value=change.old.value,
        new_value=change.new.value,
        detail=change.dates_detail,
    )


def _audit_option(*, actor: User, firm: Firm, change: OptionChange, request: HttpRequest | None) -> None:
    audit_record(
        action=AuditAction.MFA_OPTIONS_CHANGED,
        actor=actor,
        firm=firm,
        request=request,
        user_type=change.user_type.value,
        old_value=audit_value(change.old),
        new_value=audit_value(change.new),
        detail=change.option,
    )
