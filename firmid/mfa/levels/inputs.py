"""A firm's MFA settings as they come from outside (web form, API, CLI): parsed, or refused with a clear message."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from firmid.core.errors import ServiceError
from firmid.mfa.selectors import SECOND_FACTOR_KINDS
from firmid.policy import MfaLevel, UserType

MAX_TRUST_BROWSER_DAYS = 365
# How the pages name each kind a firm may allow, and what a user is asked to add.
METHOD_LABELS = {"totp": gettext_lazy("Authenticator app"), "webauthn": gettext_lazy("Passkeys and security keys")}
METHOD_TO_ADD = {"totp": gettext_lazy("an authenticator app"), "webauthn": gettext_lazy("a passkey")}
METHOD_ORDER = ("totp", "webauthn")


@dataclass(frozen=True)
class TypeSettingsInput:
    """What to save for one user type: its level (with its date), and each option; None keeps one as it is."""

    # None keeps the level and its date as they are (options alone are saved).
    level: MfaLevel | None
    # Mandatory from this moment; None: the level applies at once (also replacing a pending date).
    mandatory_from: datetime | None = None
    allowed_methods: frozenset[str] | None = None
    passwordless_passkeys: bool | None = None
    trust_browser_days: int | None = None
    email_code_before_enrolment: bool | None = None


def parse_levels(raw: Mapping[str, str]) -> dict[UserType, MfaLevel]:
    """Turn {user type: level} from outside into domain values, or refuse with a clear message."""
    return {parse_user_type(raw_type): parse_level(raw_level) for raw_type, raw_level in raw.items()}


def parse_user_type(raw: str) -> UserType:
    return _parse(UserType, raw, "user type")


def parse_level(raw: str) -> MfaLevel:
    return _parse(MfaLevel, raw, "MFA level")


def _parse(enum: type, raw: str, what: str):  # noqa: ANN202
    try:
        return enum(raw)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise ServiceError(
            _("Unknown %(what)s %(raw)r: choose one of %(choices)s.")
            % {"what": what, "raw": str(raw)[:40], "choices": choices}
        ) from None


def parse_mandatory_from(raw: str | date | None) -> datetime | None:
    """A "Mandatory from" day (YYYY-MM-DD; empty: at once) as the moment it starts, in the site's time zone."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        raise ServiceError(_("Mandatory from is a day (YYYY-MM-DD), not a moment."))
    if isinstance(raw, date):
        return start_of_day(raw)
    try:
        return start_of_day(date.fromisoformat(str(raw).strip()))
    except ValueError:
        raise ServiceError(
            _("Mandatory from %(raw)r is not a day: write it YYYY-MM-DD.") % {"raw": str(raw)[:40]}
        ) from None


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def parse_methods(raw: str | Iterable[str]) -> frozenset[str]:
    """The allowed methods, "totp,webauthn" or a list: at least one, each a second-factor kind."""
    names = [str(n).strip() for n in (raw.split(",") if isinstance(raw, str) else raw) if str(n).strip()]
    unknown = [n for n in names if n not in SECOND_FACTOR_KINDS]
    if unknown:
        raise ServiceError(
            _("Unknown method %(raw)r: choose among %(kinds)s.")
            % {"raw": str(unknown[0])[:40], "kinds": ", ".join(sorted(SECOND_FACTOR_KINDS))}
        )
    if not names:
        raise ServiceError(_("Allow at least one method: an authenticator app, or passkeys and security keys."))
    return frozenset(names)


def parse_trust_days(raw: str | int) -> int:
    """Days a browser may be trusted: a whole number from 0 (never offered) to 365."""
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isascii() or not text.isdigit() or int(text) > MAX_TRUST_BROWSER_DAYS:
        raise ServiceError(
            _("Trust this browser for %(raw)r days: give a whole number from 0 (never offered) to %(max)d.")
            % {"raw": text[:40], "max": MAX_TRUST_BROWSER_DAYS}
        )
    return int(text)


def methods_text(kinds: Iterable[str]) -> str:
    """Allowed methods as the audit trail and messages write them: "totp,webauthn"."""
    return ",".join(k for k in METHOD_ORDER if k in set(kinds))


def methods_label(kinds: Iterable[str]) -> str:
    kinds = set(kinds)
    return ", ".join(str(METHOD_LABELS[k]) for k in METHOD_ORDER if k in kinds)
