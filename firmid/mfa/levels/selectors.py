"""Reads of a firm's MFA levels, and its settings as every edge lists them: none for a type under SSO."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from firmid.core import request_memo
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import SECOND_FACTOR_KINDS, parse_allowed_methods
from firmid.policy import MfaLevel, Status, UserType
from firmid.sso.selectors import firm_sso_issuers

if TYPE_CHECKING:
    from firmid.accounts.models import User
    from firmid.tenancy.models import Firm


@dataclass(frozen=True)
class TypeMfaSetting:
    """One user type of a firm: its MFA level, or the identity provider that manages its MFA."""

    user_type: UserType
    level: MfaLevel | None  # None when the firm's SSO connection manages the type
    sso_issuer: str | None = None

    @property
    def managed_by_sso(self) -> bool:
        return self.level is None

    @property
    def level_label(self) -> str:
        return Status.MANAGED_BY_SSO.label if self.level is None else self.level.label


@dataclass(frozen=True)
class FirmMfaSettings:
    """Every user type of a firm, in the order of `UserType`."""

    types: tuple[TypeMfaSetting, ...]

    @property
    def managed(self) -> tuple[TypeMfaSetting, ...]:
        """The types whose level firmid manages: the only ones whose level is shown."""
        return tuple(setting for setting in self.types if not setting.managed_by_sso)

    @property
    def sso_managed(self) -> tuple[TypeMfaSetting, ...]:
        return tuple(setting for setting in self.types if setting.managed_by_sso)

    @property
    def levels(self) -> dict[UserType, MfaLevel]:
        return {setting.user_type: setting.level for setting in self.managed}


def firm_mfa_settings(*, firm: Firm) -> FirmMfaSettings:
    """Return the firm's level of each user type, with no level for a type its SSO connection manages."""
    levels = firm_mfa_levels(firm=firm)
    issuers = firm_sso_issuers(firm=firm)
    return FirmMfaSettings(
        types=tuple(
            TypeMfaSetting(t, None, issuers[t]) if t in issuers else TypeMfaSetting(t, levels[t]) for t in UserType
        )
    )


def firm_mfa_levels(*, firm: Firm) -> dict[UserType, MfaLevel]:
    """Return the firm's level for every user type (Upon request where none was saved)."""
    saved = dict(FirmMfaLevel.objects.filter(firm=firm).values_list("user_type", "level"))
    return {t: MfaLevel(saved.get(t.value, MfaLevel.UPON_REQUEST.value)) for t in UserType}


def firm_sso_user_types(*, firm: Firm) -> set[UserType]:
    return set(firm_sso_issuers(firm=firm))


@dataclass(frozen=True)
class TypeMfaOptions:
    """What a firm set for one user type beside its level: the rollout date and the factor options."""

    level: MfaLevel = MfaLevel.UPON_REQUEST
    # Mandatory from this moment (a rollout); None: the level applies at once.
    mandatory_from: datetime | None = None
    allowed_methods: frozenset[str] = SECOND_FACTOR_KINDS
    passwordless_passkeys: bool = False
    trust_browser_days: int = 0
    email_code_before_enrolment: bool = False

    def allows(self, kind: str) -> bool:
        """May a factor of this kind be set up and used? (Recovery codes are always allowed.)"""
        return kind in self.allowed_methods or kind not in SECOND_FACTOR_KINDS


_OPTIONS = "mfa_options"


def firm_type_mfa_options(*, firm: Firm | None, user_type: UserType | None) -> TypeMfaOptions:
    """Return a firm's options for a user type; the defaults where none were saved (or no firm: agents)."""
    if firm is None or user_type is None:
        return TypeMfaOptions()
    return _options(firm_id=firm.pk, user_type=user_type)


def options_of_row(row: FirmMfaLevel) -> TypeMfaOptions:
    return TypeMfaOptions(
        level=MfaLevel(row.level),
        mandatory_from=row.mandatory_from,
        allowed_methods=parse_allowed_methods(row.allowed_methods),
        passwordless_passkeys=row.passwordless_passkeys,
        trust_browser_days=row.trust_browser_days,
        email_code_before_enrolment=row.email_code_before_enrolment,
    )


def user_mfa_options(*, user: User) -> TypeMfaOptions:
    """Return the options of the user's firm for the user's type (the defaults for support agents)."""
    if not user.firm_id or user.user_type is None:
        return TypeMfaOptions()
    return _options(firm_id=user.firm_id, user_type=user.user_type)


def _options(*, firm_id: int, user_type: UserType) -> TypeMfaOptions:
    """Read once per request (several sign-in stages ask); a write to a level row forgets it.

    (`firmid.mfa.selectors.forget_decisions`, called by the model signals of `firmid.mfa.signals`.)
    """
    memo = request_memo.remembered(_OPTIONS)
    key = (firm_id, user_type)
    if memo is not None and key in memo:
        return memo[key]
    row = FirmMfaLevel.objects.filter(firm_id=firm_id, user_type=user_type.value).first()
    options = TypeMfaOptions() if row is None else options_of_row(row)
    if memo is not None:
        memo[key] = options
    return options
