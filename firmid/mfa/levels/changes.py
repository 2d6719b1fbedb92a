"""What a save of a firm's MFA settings changes, as the pages, the API and the audit trail say it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from firmid.accounts.models import ROLES_OF_TYPE, User
from firmid.mfa.levels.inputs import METHOD_ORDER, methods_label, methods_text
from firmid.mfa.levels.selectors import TypeMfaOptions
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.labels import label

if TYPE_CHECKING:
    from firmid.tenancy.models import Firm

DEACTIVATION_NOT_CONFIRMED = gettext_lazy("Moving a user type to Upon request must be confirmed.")
RESTRICTION_NOT_CONFIRMED = gettext_lazy("Restricting the allowed methods must be confirmed:")
# The options saved beside a level, in the order pages list them (TypeMfaOptions' field names).
OPTION_NAMES = ("allowed_methods", "passwordless_passkeys", "trust_browser_days", "email_code_before_enrolment")
OPTION_LABELS = {
    "allowed_methods": gettext_lazy("Allowed methods"),
    "passwordless_passkeys": gettext_lazy("Passkey sign-in without a password"),
    "trust_browser_days": gettext_lazy("Trust this browser (days)"),
    "email_code_before_enrolment": gettext_lazy("Code sent by email before a first set-up"),
}


def day_text(moment: datetime) -> str:
    """A rollout day as pages write it, in the active language: "15 janvier 2027"."""
    return date_format(timezone.localtime(moment, timezone.get_default_timezone()), "DATE_FORMAT")


def day_of(moment: datetime | None) -> date | None:
    """The day a rollout starts, in the site's time zone (None: at once)."""
    return None if moment is None else timezone.localtime(moment, timezone.get_default_timezone()).date()


def level_text(level: MfaLevel, mandatory_from: datetime | None) -> str:
    """A level as pages say it, in the active language: "Mandatory from 15 January 2027"."""
    if mandatory_from is None:
        return label(level)
    return _("%(level)s from %(day)s") % {"level": label(level), "day": day_text(mandatory_from)}


@dataclass(frozen=True)
class LevelChange:
    user_type: UserType
    old: MfaLevel
    new: MfaLevel
    # The rollout date before and after (None: the level applies at once).
    old_from: datetime | None = None
    new_from: datetime | None = None

    @property
    def is_deactivation(self) -> bool:
        return self.new is MfaLevel.UPON_REQUEST and self.old is not MfaLevel.UPON_REQUEST

    @property
    def old_day(self) -> date | None:
        return day_of(self.old_from)

    @property
    def new_day(self) -> date | None:
        return day_of(self.new_from)

    @property
    def dates_detail(self) -> str:
        """The audit row's detail: the rollout date saved, and the one it replaces ("" without dates)."""
        if not (self.old_from or self.new_from):
            return ""
        new = f"mandatory from {self.new_from:%Y-%m-%d}" if self.new_from else "at once"
        return f"{new} (was mandatory from {self.old_from:%Y-%m-%d})" if self.old_from else new

    def __str__(self) -> str:
        old, new = level_text(self.old, self.old_from), level_text(self.new, self.new_from)
        return _("%(type)s: %(old)s → %(new)s") % {"type": label(self.user_type), "old": old, "new": new}


@dataclass(frozen=True)
class OptionChange:
    user_type: UserType
    option: str  # one of OPTION_NAMES
    old: object
    new: object

    @property
    def old_json(self) -> object:
        return json_value(self.old)

    @property
    def new_json(self) -> object:
        return json_value(self.new)

    def __str__(self) -> str:
        return _("%(type)s: %(option)s %(old)s → %(new)s") % {
            "type": label(self.user_type),
            "option": OPTION_LABELS[self.option],
            "old": display_value(self.old),
            "new": display_value(self.new),
        }


@dataclass(frozen=True)
class SettingsPlan:
    """What a save changes, each given type's settings after it, and why it must be confirmed."""

    level_changes: tuple[LevelChange, ...]
    option_changes: tuple[OptionChange, ...]
    # The given types' settings once saved (unchanged ones too).
    proposed: Mapping[UserType, TypeMfaOptions]
    # One sentence per type whose restricted methods take some users' only factor away.
    restrictions: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.level_changes or self.option_changes)

    @property
    def deactivates(self) -> bool:
        return any(change.is_deactivation for change in self.level_changes)

    @property
    def needs_confirmation(self) -> bool:
        return self.deactivates or bool(self.restrictions)

    @property
    def confirmation_message(self) -> str:
        lines = [str(DEACTIVATION_NOT_CONFIRMED)] if self.deactivates else []
        if self.restrictions:
            lines.append(" ".join([str(RESTRICTION_NOT_CONFIRMED), *self.restrictions]))
        return " ".join(lines)

    def changed_types(self) -> list[UserType]:
        changed = {c.user_type for c in self.level_changes} | {c.user_type for c in self.option_changes}
        return [t for t in UserType if t in changed]


def audit_value(value: object) -> str:
    """An option's value in an audit row: "totp,webauthn", "true", "30"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, frozenset):
        return methods_text(value)
    return str(value)


def json_value(value: object) -> object:
    """An option's value in the API: a list of kinds, a boolean or a number."""
    return [k for k in METHOD_ORDER if k in value] if isinstance(value, frozenset) else value


def display_value(value: object) -> str:
    if isinstance(value, bool):
        return pgettext("option", "on") if value else pgettext("option", "off")
    if isinstance(value, frozenset):
        return methods_label(value)
    return str(value)


def users_losing_their_factor(*, firm: Firm, user_type: UserType, removed: frozenset[str], kept: frozenset[str]) -> int:
    """Count active users of the type whose factors are all of removed kinds (one aggregate query)."""
    factors = Authenticator.objects.filter(user_id=OuterRef("pk"))
    users = User.objects.filter(firm=firm, role__in=ROLES_OF_TYPE[user_type], is_active=True)
    return users.filter(Exists(factors.filter(type__in=removed))).exclude(Exists(factors.filter(type__in=kept))).count()
