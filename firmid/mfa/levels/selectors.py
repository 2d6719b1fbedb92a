"""Reads of a firm's MFA levels, and its settings as every edge lists them: none for a type under SSO."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, Status, UserType
from firmid.sso.selectors import firm_sso_issuers

if TYPE_CHECKING:
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
