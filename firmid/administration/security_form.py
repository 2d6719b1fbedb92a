"""The Authentication and security tab's form: per user type, the level, its date and the factor options.

Field names carry the type (`level_practitioners`, `methods_practitioners`...). A type's
options are read only when its `options_<type>` marker is posted, since an unchecked box
posts nothing: a POST with levels alone (older pages, scripts) leaves the options as they are.
The rules the values must follow are the services'; this module only reads the POST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from firmid.core.errors import ServiceError
from firmid.mfa.levels.inputs import (
    METHOD_ORDER,
    TypeSettingsInput,
    parse_level,
    parse_mandatory_from,
    parse_methods,
    parse_trust_days,
    parse_user_type,
)
from firmid.mfa.levels.selectors import TypeMfaOptions, TypeMfaSetting
from firmid.policy import MfaLevel, UserType

LEVEL_PREFIX = "level_"
# The factor kinds a firm may allow, as the tab names them.
METHOD_LABELS = {"totp": _("Authenticator app"), "webauthn": _("Passkeys and security keys")}
# Every field of a type is <prefix><user type>; the Confirm step posts them all again.
PREFIXES = ("level_", "mandatory_from_", "options_", "methods_", "passwordless_", "trust_days_", "email_code_")
MAX_DATE_LENGTH = 40


@dataclass(frozen=True)
class FieldNames:
    level: str
    mandatory_from: str
    options: str
    methods: str
    passwordless: str
    trust_days: str
    email_code: str


def field_names(user_type: UserType) -> FieldNames:
    return FieldNames(*(f"{prefix}{user_type.value}" for prefix in PREFIXES))


@dataclass(frozen=True)
class TypeForm:
    """One user type's part of the form, as the page shows it (saved settings, or the ones posted)."""

    setting: TypeMfaSetting
    names: FieldNames
    options: TypeMfaOptions
    # The rollout date still ahead, as the date input shows it ("" when none).
    mandatory_from: str
    # The saved rollout still ahead: "Mandatory from 15 January 2027 — until then…" (None when none).
    pending_from: datetime | None = None

    @property
    def methods(self) -> list[tuple[str, str, bool]]:
        """(value, label, checked) of each allowed-method checkbox."""
        return [(k, METHOD_LABELS[k], k in self.options.allowed_methods) for k in METHOD_ORDER]

    @property
    def methods_label(self) -> str:
        return ", ".join(str(METHOD_LABELS[k]) for k in METHOD_ORDER if k in self.options.allowed_methods)


def type_forms(
    *,
    settings: tuple[TypeMfaSetting, ...],
    saved: dict[UserType, TypeMfaOptions],
    shown: dict[UserType, TypeMfaOptions],
    now: datetime,
) -> list[TypeForm]:
    """The form's part of every type: the values `shown`, the pending rollout `saved`."""
    return [
        TypeForm(
            setting=setting,
            names=field_names(setting.user_type),
            options=shown[setting.user_type],
            mandatory_from=_date_value(shown[setting.user_type], now),
            pending_from=_pending(saved[setting.user_type], now),
        )
        for setting in settings
    ]


def _date_value(options: TypeMfaOptions, now: datetime) -> str:
    moment = options.mandatory_from
    if options.level is not MfaLevel.MANDATORY or moment is None or moment <= now:
        return ""
    return timezone.localtime(moment, timezone.get_default_timezone()).date().isoformat()


def _pending(options: TypeMfaOptions, now: datetime) -> datetime | None:
    return options.mandatory_from if _date_value(options, now) else None


def posted_settings(data: QueryDict) -> dict[UserType, TypeSettingsInput]:
    """Return {user type: settings} of every level_<user type> posted, or refuse with a clear message."""
    levels = {key.removeprefix(LEVEL_PREFIX): data[key] for key in data if key.startswith(LEVEL_PREFIX)}
    if not levels:
        raise ServiceError(gettext("Choose a level for at least one user type."))
    settings = {}
    for raw_type, raw_level in levels.items():
        user_type, level = parse_user_type(raw_type), parse_level(raw_level)
        settings[user_type] = _type_settings(data, field_names(user_type), level)
    return settings


def _type_settings(data: QueryDict, names: FieldNames, level: MfaLevel) -> TypeSettingsInput:
    # The date input stays on the page whatever the level: it means something with Mandatory only.
    raw_date = data.get(names.mandatory_from, "")[:MAX_DATE_LENGTH] if level is MfaLevel.MANDATORY else ""
    mandatory_from = parse_mandatory_from(raw_date)
    if data.get(names.options) != "1":
        return TypeSettingsInput(level=level, mandatory_from=mandatory_from)
    return TypeSettingsInput(
        level=level,
        mandatory_from=mandatory_from,
        allowed_methods=parse_methods(data.getlist(names.methods)),
        passwordless_passkeys=data.get(names.passwordless) == "1",
        trust_browser_days=parse_trust_days(data.get(names.trust_days, "0") or "0"),
        email_code_before_enrolment=data.get(names.email_code) == "1",
    )


def hidden_fields(data: QueryDict) -> list[tuple[str, str]]:
    """The (name, value) pairs that post the same settings again from the Confirm step."""
    return [(key, value) for key, values in data.lists() if key.startswith(PREFIXES) for value in values]
