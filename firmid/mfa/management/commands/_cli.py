"""What the MFA commands share: finding the firm and the actor, refusals as CommandError, words for people."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from firmid.accounts.models import User
from firmid.core.cli import day_for_people
from firmid.core.errors import ServiceError
from firmid.mfa.levels.changes import LevelChange
from firmid.mfa.levels.inputs import METHOD_ORDER
from firmid.mfa.levels.selectors import TypeMfaOptions
from firmid.mfa.levels.services import ConfirmationRequired
from firmid.policy import MfaLevel
from firmid.tenancy.labels import label
from firmid.tenancy.models import Firm
from firmid.tenancy.selectors import firm_get

# The factor kinds a firm may allow, as the commands name them to people.
METHOD_NAMES = {"totp": gettext_lazy("authenticator app"), "webauthn": gettext_lazy("passkeys and security keys")}


@contextmanager
def refusals_as_command_errors() -> Iterator[None]:
    """Let a service's refusal end the command with its own message and a non-zero exit code."""
    try:
        yield
    except ConfirmationRequired as refused:
        raise CommandError(
            _("%(refusal)s Run the command again with --confirm.") % {"refusal": refused.message}
        ) from None
    except ServiceError as refused:
        raise CommandError(refused.message) from None


def firm_named(name_or_id: str) -> Firm:
    """Return the firm with this exact name, else with this id."""
    firm = Firm.objects.filter(name=name_or_id.strip()).first()
    if firm is not None:
        return firm
    if name_or_id.strip().isdigit():
        with refusals_as_command_errors():
            return firm_get(pk=int(name_or_id))
    raise CommandError(_("No accounting firm is named %(name)s.") % {"name": repr(name_or_id)})


def actor_with_email(email: str) -> User:
    """Return the user who runs the command; whether they may is the services' decision."""
    actor = User.objects.filter(email__iexact=email.strip()).first()
    if actor is None:
        raise CommandError(_("No account has the email address %(email)s.") % {"email": repr(email)})
    return actor


def level_text(level: MfaLevel, mandatory_from: object = None) -> str:
    """A level as people read it: Mandatory, or Mandatory from 15 January 2027."""
    if mandatory_from is None:
        return label(level)
    return _("%(level)s from %(day)s") % {"level": label(level), "day": day_for_people(mandatory_from)}


def level_change_text(change: LevelChange) -> str:
    return _("%(type)s: %(old)s → %(new)s") % {
        "type": label(change.user_type),
        "old": level_text(change.old, change.old_from),
        "new": level_text(change.new, change.new_from),
    }


def methods_text(kinds: Iterable[str]) -> str:
    kinds = set(kinds)
    return ", ".join(str(METHOD_NAMES[kind]) for kind in METHOD_ORDER if kind in kinds)


def options_lines(options: TypeMfaOptions) -> list[str]:
    """A type's factor options, one line each, as people read them."""
    yes, no = _("yes"), _("no")
    days = options.trust_browser_days
    return [
        _("Allowed methods: %(methods)s") % {"methods": methods_text(options.allowed_methods)},
        _("Passkey sign-in without a password: %(answer)s") % {"answer": yes if options.passwordless_passkeys else no},
        _("Trust this browser: %(days)s") % {"days": _("never offered") if not days else days_text(days)},
        _("Code sent by email before a first set-up: %(answer)s")
        % {"answer": yes if options.email_code_before_enrolment else no},
    ]


def days_text(days: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
