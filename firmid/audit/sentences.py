"""An audit event as a sentence a support agent reads, in the active language.

"Marie Dupont (support level 2) changed Practitioners from Upon request to Mandatory."

The rows keep what the services write (firmid's contract: codes, English details): this
module reads them as they are, old rows too. A detail it does not recognise is quoted as
written rather than lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from firmid.audit.actions import AuditAction, AuditOutcome
from firmid.policy import MfaLevel, Status
from firmid.tenancy.labels import label

if TYPE_CHECKING:
    from firmid.audit.models import AuditEvent

A = AuditAction

# What each action is, in words: the filter's options (the English is the action's .label).
ACTION_LABELS: dict[AuditAction, Promise] = {
    A.SIGN_IN: gettext_lazy("Signed in"),
    A.SIGN_OUT: gettext_lazy("Signed out"),
    A.SIGN_IN_PASSWORD: gettext_lazy("Password checked at sign-in"),
    A.MFA_SIGN_IN: gettext_lazy("Code checked at sign-in"),
    A.MFA_REAUTHENTICATION: gettext_lazy("Code checked to confirm a sensitive action"),
    A.MFA_ENROLMENT: gettext_lazy("Code checked while setting MFA up"),
    A.MFA_VERIFIED: gettext_lazy("Second factor used"),
    A.MFA_FACTOR_ADDED: gettext_lazy("Factor set up"),
    A.MFA_FACTOR_REMOVED: gettext_lazy("Factor removed"),
    A.MFA_FACTOR_REPLACED: gettext_lazy("Authenticator app replaced by a new one"),
    A.MFA_ENROLMENT_POSTPONED: gettext_lazy("MFA set-up postponed (Activate later)"),
    A.MFA_LEVEL_CHANGED: gettext_lazy("Firm's MFA level changed"),
    A.MFA_USER_ACTIVATED: gettext_lazy("MFA activated for a user"),
    A.MFA_USER_DEACTIVATED: gettext_lazy("MFA's individual activation undone"),
    A.MFA_RESET: gettext_lazy("User's MFA reset"),
    A.MFA_KEYS_ROTATED: gettext_lazy("TOTP secrets re-encrypted under the newest key"),
    A.MFA_OPTIONS_CHANGED: gettext_lazy("Firm's MFA options changed (methods, trusted browsers, email code)"),
    A.MFA_REMINDER_SENT: gettext_lazy("MFA set-up reminder emailed"),
    A.MFA_RECOVERY_CODES_GENERATED: gettext_lazy("Recovery codes generated"),
    A.MFA_RECOVERY_CODE_USED: gettext_lazy("Recovery code used"),
    A.MFA_BROWSER_TRUSTED: gettext_lazy("Browser trusted"),
    A.MFA_TRUSTED_BROWSER_REVOKED: gettext_lazy("Trusted browser revoked"),
    A.MFA_LOST_DEVICE_REPORTED: gettext_lazy("Lost authenticator reported to support"),
    A.MFA_SETUP_LINK_SENT: gettext_lazy("Set-up link sent"),
    A.MFA_MAILBOX_PROVEN: gettext_lazy("Address proven before set-up"),
    A.MFA_UNCOVERED_EXPORTED: gettext_lazy("Users without MFA exported"),
    A.AUDIT_EXPORTED: gettext_lazy("Audit trail exported"),
    A.USER_ENABLED: gettext_lazy("User enabled"),
    A.USER_DISABLED: gettext_lazy("User disabled"),
    A.EMAIL_CHANGED: gettext_lazy("Address changed"),
    A.PASSWORD_RESET_REQUESTED: gettext_lazy("Password reset link requested"),
    A.PASSWORD_CHANGED: gettext_lazy("Password changed"),
    A.PASSWORD_SET: gettext_lazy("Password set"),
    A.PASSWORD_RESET: gettext_lazy("Password reset by emailed link"),
    A.SSO_CONNECTED: gettext_lazy("SSO connection added"),
    A.SSO_UPDATED: gettext_lazy("SSO connection changed"),
    A.SSO_SECRET_REPLACED: gettext_lazy("SSO connection's client secret replaced"),
    A.SSO_ENABLED: gettext_lazy("SSO connection enabled"),
    A.SSO_DISABLED: gettext_lazy("SSO connection disabled"),
    A.SSO_TESTED: gettext_lazy("SSO connection tested"),
    A.SSO_SIGN_IN: gettext_lazy("Signed in through the firm's identity provider"),
    A.SSO_LINKED: gettext_lazy("Account linked to the firm's identity provider"),
    A.SSO_USER_CREATED: gettext_lazy("User created at the first sign-in through SSO"),
    A.APPLICATION_REGISTERED: gettext_lazy("Application registered"),
    A.APPLICATION_UPDATED: gettext_lazy("Application changed"),
    A.APPLICATION_SECRET_REGENERATED: gettext_lazy("Application secret regenerated"),
    A.APPLICATION_DELETED: gettext_lazy("Application deleted"),
}

# The filter's groups of actions: each action in exactly one.
ACTION_GROUPS: tuple[tuple[str, Promise, tuple[AuditAction, ...]], ...] = (
    (
        "sign_in",
        gettext_lazy("Sign-in and sign-out"),
        (
            A.SIGN_IN,
            A.SIGN_OUT,
            A.SIGN_IN_PASSWORD,
            A.MFA_SIGN_IN,
            A.MFA_VERIFIED,
            A.MFA_REAUTHENTICATION,
            A.SSO_SIGN_IN,
        ),
    ),
    (
        "factors",
        gettext_lazy("Second factors, recovery codes and trusted browsers"),
        (
            A.MFA_ENROLMENT,
            A.MFA_FACTOR_ADDED,
            A.MFA_FACTOR_REMOVED,
            A.MFA_FACTOR_REPLACED,
            A.MFA_ENROLMENT_POSTPONED,
            A.MFA_RECOVERY_CODES_GENERATED,
            A.MFA_RECOVERY_CODE_USED,
            A.MFA_BROWSER_TRUSTED,
            A.MFA_TRUSTED_BROWSER_REVOKED,
            A.MFA_LOST_DEVICE_REPORTED,
            A.MFA_SETUP_LINK_SENT,
            A.MFA_MAILBOX_PROVEN,
        ),
    ),
    (
        "policy",
        gettext_lazy("MFA levels, options, activations and resets"),
        (
            A.MFA_LEVEL_CHANGED,
            A.MFA_OPTIONS_CHANGED,
            A.MFA_USER_ACTIVATED,
            A.MFA_USER_DEACTIVATED,
            A.MFA_RESET,
            A.MFA_REMINDER_SENT,
            A.MFA_KEYS_ROTATED,
        ),
    ),
    (
        "accounts",
        gettext_lazy("Accounts, addresses and passwords"),
        (
            A.USER_ENABLED,
            A.USER_DISABLED,
            A.EMAIL_CHANGED,
            A.PASSWORD_RESET_REQUESTED,
            A.PASSWORD_CHANGED,
            A.PASSWORD_SET,
            A.PASSWORD_RESET,
        ),
    ),
    (
        "sso",
        gettext_lazy("SSO connections"),
        (
            A.SSO_CONNECTED,
            A.SSO_UPDATED,
            A.SSO_SECRET_REPLACED,
            A.SSO_ENABLED,
            A.SSO_DISABLED,
            A.SSO_TESTED,
            A.SSO_LINKED,
            A.SSO_USER_CREATED,
        ),
    ),
    (
        "applications",
        gettext_lazy("Applications"),
        (A.APPLICATION_REGISTERED, A.APPLICATION_UPDATED, A.APPLICATION_SECRET_REGENERATED, A.APPLICATION_DELETED),
    ),
    ("exports", gettext_lazy("Exports"), (A.MFA_UNCOVERED_EXPORTED, A.AUDIT_EXPORTED)),
)

OUTCOME_LABELS: dict[AuditOutcome, Promise] = {
    AuditOutcome.SUCCESS: gettext_lazy("Success"),
    AuditOutcome.FAILURE: gettext_lazy("Failure"),
    AuditOutcome.REFUSED: gettext_lazy("Refused"),
    AuditOutcome.LOCKED: gettext_lazy("Locked"),
}


def action_label(action: str) -> str:
    """An action in words, in the active language; an action firmid no longer knows as recorded."""
    try:
        return str(ACTION_LABELS[AuditAction(action)])
    except (ValueError, KeyError):
        return action


def outcome_label(outcome: str) -> str:
    try:
        return str(OUTCOME_LABELS[AuditOutcome(outcome)])
    except (ValueError, KeyError):
        return outcome


# --- who ---------------------------------------------------------------------------------


def actor_phrase(event: AuditEvent, *, with_level: bool = True) -> str:
    """Who acted: their name (and support level), the address kept of a deleted user, or who else.

    No actor and no client address: the command line, a scheduled task or firmid itself
    ("The system"). No actor but an address: someone not signed in ("Someone").
    """
    if event.actor_id is not None:
        user = event.actor
        name = user.full_name or user.email
        if with_level and user.support_level:
            return _("%(name)s (support level %(level)s)") % {"name": name, "level": user.support_level}
        return name
    if event.actor_email:
        return event.actor_email
    if event.ip_address:
        return _("Someone")
    return _("The system")


def subject_phrase(event: AuditEvent) -> str:
    if event.subject_id is not None:
        return event.subject.full_name or event.subject.email
    return event.subject_email or _("an unknown user")


def _type(event: AuditEvent) -> str:
    return label(event.user_type) if event.user_type else _("an unknown user type")


def _day(value: str) -> str:
    """A day as the language writes it ("15 January 2027", "15 janvier 2027"); else as recorded."""
    try:
        return formats.date_format(date.fromisoformat(value), "DATE_FORMAT")
    except ValueError:
        return value


def _number(text: str) -> int | None:
    found = re.search(r"\d+", text or "")
    return int(found.group()) if found else None


def _quoted(text: str) -> str:
    return _("“%(text)s”") % {"text": text}


# --- factors and browsers -------------------------------------------------------------------------

FACTOR_USED: dict[str, Promise] = {
    "totp": gettext_lazy("a code from the authenticator app"),
    "webauthn": gettext_lazy("a passkey or security key"),
    "recovery_codes": gettext_lazy("a recovery code"),
    "trusted_browser": gettext_lazy("a trusted browser"),
}


def _factor(event: AuditEvent) -> str:
    return str(FACTOR_USED.get(event.factor_type, gettext_lazy("a second factor")))


_BROWSER_ON = re.compile(r"^(?P<browser>.+) on (?P<system>.+)$")


def _browser(text: str) -> str:
    """A browser's name as firmid.mfa.trust.browser_label wrote it: "Firefox on Windows", "Unknown browser"."""
    text = text.strip()
    if text == "Unknown browser":
        return _("Unknown browser")
    found = _BROWSER_ON.match(text)
    if found is None:
        return text
    if found["browser"] == "A browser":
        return _("A browser on %(system)s") % {"system": found["system"]}
    return _("%(browser)s on %(system)s") % {"browser": found["browser"], "system": found["system"]}


# --- the sentences, one function per action --------------------------------------------------------

Sentence = Callable[["AuditEvent", str], str]
_SENTENCES: dict[AuditAction, Sentence] = {}


def says(*actions: AuditAction) -> Callable[[Sentence], Sentence]:
    def register(function: Sentence) -> Sentence:
        for action in actions:
            _SENTENCES[action] = function
        return function

    return register


def sentence(event: AuditEvent) -> str:
    """The event as a sentence in the active language."""
    actor = actor_phrase(event)
    try:
        function = _SENTENCES[AuditAction(event.action)]
    except (ValueError, KeyError):
        return _("%(actor)s: event “%(action)s”") % {"actor": actor, "action": event.action}
    return function(event, actor)


def knows(action: AuditAction) -> bool:
    return action in _SENTENCES


def _with_outcome(event: AuditEvent, text: str) -> str:
    """A sentence written for a success, of an event that ended otherwise: the outcome said with it."""
    if event.outcome == AuditOutcome.SUCCESS:
        return text
    return _("%(sentence)s (outcome: %(outcome)s)") % {
        "sentence": text,
        "outcome": outcome_label(event.outcome).lower(),
    }


def _clauses(*parts: str) -> str:
    """A sentence and what it adds, each a whole clause: "…; reason: “…”; 2 factors removed"."""
    text = ""
    for part in filter(None, parts):
        text = _("%(sentence)s; %(clause)s") % {"sentence": text, "clause": part} if text else part
    return text


# Sign-in.

_SIGN_IN_REFUSALS: dict[str, Promise] = {
    "account disabled while signing in": gettext_lazy("the account was disabled while they were signing in"),
    "sessions ended (password, MFA reset or disable) while signing in": gettext_lazy(
        "their sessions were ended (new password, MFA reset or disabled account) while they were signing in"
    ),
    "firm now signs the user in through SSO": gettext_lazy("the firm now signs this user in through SSO"),
    "firm no longer allows this passkey sign-in": gettext_lazy("the firm no longer allows this passkey sign-in"),
    "factor set up elsewhere while signing in": gettext_lazy(
        "a factor was set up elsewhere while they were signing in"
    ),
    "passkey sign-in: user type signs in through SSO": gettext_lazy(
        "passkey sign-in, but their user type signs in through SSO"
    ),
    "passkey sign-in: firm does not allow passkey sign-in for the user type": gettext_lazy(
        "passkey sign-in, which the firm does not allow for their user type"
    ),
    "passkey sign-in: passkey did not verify its user": gettext_lazy(
        "passkey sign-in, but the passkey did not verify its user (PIN or biometrics)"
    ),
    "user type signs in through SSO": gettext_lazy("their user type signs in through SSO"),
}


def _refusal(detail: str) -> str:
    if detail.startswith("policy now asks "):
        return _("the MFA policy now asks for a second factor, and this sign-in gave none")
    words = _SIGN_IN_REFUSALS.get(detail)
    return str(words) if words is not None else detail


@says(A.SIGN_IN)
def _sign_in(event: AuditEvent, actor: str) -> str:
    if event.outcome == AuditOutcome.REFUSED:
        if event.detail:
            return _("%(actor)s's sign-in was refused: %(reason)s") % {"actor": actor, "reason": _refusal(event.detail)}
        return _("%(actor)s's sign-in was refused") % {"actor": actor}
    return _with_outcome(event, _("%(actor)s signed in") % {"actor": actor})


@says(A.SIGN_OUT)
def _sign_out(event: AuditEvent, actor: str) -> str:
    return _with_outcome(event, _("%(actor)s signed out") % {"actor": actor})


@says(A.SIGN_IN_PASSWORD)
def _sign_in_password(event: AuditEvent, actor: str) -> str:
    if event.outcome == AuditOutcome.FAILURE:
        address = event.detail.removeprefix("as ").strip() if event.detail.startswith("as ") else ""
        if address:
            return _("A sign-in as %(address)s failed: wrong password or unknown address") % {"address": address}
        return _("A sign-in failed: wrong password or unknown address")
    if event.outcome == AuditOutcome.REFUSED:
        return _("%(actor)s's password sign-in was refused: %(reason)s") % {
            "actor": actor,
            "reason": _refusal(event.detail),
        }
    return _with_outcome(event, _("%(actor)s entered their password to sign in") % {"actor": actor})


# Second factors checked: sign-in, confirming a sensitive action, set-up.

_CHECK_FAILED = {
    A.MFA_SIGN_IN: gettext_lazy("%(actor)s failed the second-factor check at sign-in, with %(factor)s"),
    A.MFA_REAUTHENTICATION: gettext_lazy(
        "%(actor)s failed the second-factor check to confirm a sensitive action, with %(factor)s"
    ),
    A.MFA_ENROLMENT: gettext_lazy("%(actor)s entered a wrong code while setting MFA up, with %(factor)s"),
}
_CHECK_LOCKED = {
    A.MFA_SIGN_IN: gettext_lazy("%(actor)s could not try a second factor at sign-in: the account is locked"),
    A.MFA_REAUTHENTICATION: gettext_lazy(
        "%(actor)s could not try a second factor to confirm a sensitive action: the account is locked"
    ),
    A.MFA_ENROLMENT: gettext_lazy("%(actor)s could not try a code while setting MFA up: the account is locked"),
}
_CHECK_PASSED = {
    A.MFA_SIGN_IN: gettext_lazy("%(actor)s passed the second-factor check at sign-in, with %(factor)s"),
    A.MFA_REAUTHENTICATION: gettext_lazy("%(actor)s confirmed a sensitive action with %(factor)s"),
    A.MFA_ENROLMENT: gettext_lazy("%(actor)s entered the right code while setting MFA up, with %(factor)s"),
}
_CHECK_REASONS: dict[str, Promise] = {
    "code already used": gettext_lazy("the code had already been used"),
    "account locked": gettext_lazy("the account is now locked after too many failures"),
}


@says(A.MFA_SIGN_IN, A.MFA_REAUTHENTICATION, A.MFA_ENROLMENT)
def _second_factor_check(event: AuditEvent, actor: str) -> str:
    action = AuditAction(event.action)
    values = {"actor": actor, "factor": _factor(event)}
    if event.outcome == AuditOutcome.LOCKED:
        return str(_CHECK_LOCKED[action]) % values
    if event.outcome == AuditOutcome.SUCCESS:
        return str(_CHECK_PASSED[action]) % values
    if event.actor_id is None and not event.actor_email:
        # A passkey sign-in names no user before its answer is verified.
        return _("A passkey sign-in failed: the passkey was not accepted")
    reasons = [str(_CHECK_REASONS.get(reason.strip(), reason.strip())) for reason in event.detail.split(";")]
    return _clauses(str(_CHECK_FAILED[action]) % values, *reasons)


_VERIFIED = {
    "totp": gettext_lazy("%(actor)s used a code from their authenticator app as a second factor"),
    "webauthn": gettext_lazy("%(actor)s used a passkey or security key as a second factor"),
    "recovery_codes": gettext_lazy("%(actor)s used a recovery code as a second factor"),
}


@says(A.MFA_VERIFIED)
def _verified(event: AuditEvent, actor: str) -> str:
    words = _VERIFIED.get(event.factor_type, gettext_lazy("%(actor)s used a second factor"))
    return _with_outcome(event, str(words) % {"actor": actor})


# A user's factors.

_ADDED = {
    "totp": gettext_lazy("%(actor)s set up an authenticator app"),
    "webauthn": gettext_lazy("%(actor)s added a passkey or security key"),
    "recovery_codes": gettext_lazy("%(actor)s set up recovery codes"),
}
_REMOVED = {
    "totp": gettext_lazy("%(actor)s removed their authenticator app"),
    "webauthn": gettext_lazy("%(actor)s removed a passkey or security key"),
    "recovery_codes": gettext_lazy("%(actor)s removed their recovery codes"),
}


@says(A.MFA_FACTOR_ADDED)
def _factor_added(event: AuditEvent, actor: str) -> str:
    words = _ADDED.get(event.factor_type, gettext_lazy("%(actor)s set up a second factor"))
    return _with_outcome(event, _for_subject(event, str(words) % {"actor": actor}))


@says(A.MFA_FACTOR_REMOVED)
def _factor_removed(event: AuditEvent, actor: str) -> str:
    words = _REMOVED.get(event.factor_type, gettext_lazy("%(actor)s removed a second factor"))
    return _with_outcome(event, _for_subject(event, str(words) % {"actor": actor}))


def _for_subject(event: AuditEvent, text: str) -> str:
    """A user's own action, made by someone else: whose account it was is said too."""
    if event.subject_id == event.actor_id or (not event.subject_id and not event.subject_email):
        return text
    return _("%(sentence)s, for %(subject)s") % {"sentence": text, "subject": subject_phrase(event)}


@says(A.MFA_FACTOR_REPLACED)
def _factor_replaced(event: AuditEvent, actor: str) -> str:
    return _with_outcome(event, _("%(actor)s replaced their authenticator app with a new one") % {"actor": actor})


@says(A.MFA_ENROLMENT_POSTPONED)
def _postponed(event: AuditEvent, actor: str) -> str:
    return _with_outcome(event, _("%(actor)s chose Activate later instead of setting MFA up") % {"actor": actor})


# MFA policy.

_DATES = re.compile(
    r"^(?:mandatory from (?P<new>\d{4}-\d{2}-\d{2})|at once)(?: \(was mandatory from (?P<old>\d{4}-\d{2}-\d{2})\))?$"
)


def _level(value: str, day: str | None) -> str:
    if day and value == MfaLevel.MANDATORY.value:
        return _("Mandatory from %(date)s") % {"date": _day(day)}
    return label(value)


@says(A.MFA_LEVEL_CHANGED)
def _level_changed(event: AuditEvent, actor: str) -> str:
    dates = _DATES.match(event.detail or "")
    old_day, new_day = (dates["old"], dates["new"]) if dates else (None, None)
    values = {"actor": actor, "type": _type(event)}
    both_mandatory = event.old_value == event.new_value == MfaLevel.MANDATORY.value
    if both_mandatory and old_day and new_day:
        text = _("%(actor)s moved the day MFA becomes mandatory for %(type)s from %(old)s to %(new)s") % {
            **values,
            "old": _day(old_day),
            "new": _day(new_day),
        }
    elif both_mandatory and old_day:
        text = _("%(actor)s made MFA mandatory for %(type)s at once, instead of from %(old)s") % {
            **values,
            "old": _day(old_day),
        }
    else:
        text = _("%(actor)s changed %(type)s from %(old)s to %(new)s") % {
            **values,
            "old": _level(event.old_value, old_day),
            "new": _level(event.new_value, new_day),
        }
    if event.detail and not dates:
        text = _clauses(text, event.detail)
    return _with_outcome(event, text)


METHOD_LABELS: dict[str, Promise] = {
    "totp": gettext_lazy("Authenticator app"),
    "webauthn": gettext_lazy("Passkeys and security keys"),
}


def _methods(value: str) -> str:
    kinds = [kind for kind in value.split(",") if kind.strip()]
    if not kinds:
        return _("none")
    return ", ".join(str(METHOD_LABELS.get(kind.strip(), kind.strip())) for kind in kinds)


@says(A.MFA_OPTIONS_CHANGED)
def _options_changed(event: AuditEvent, actor: str) -> str:
    values = {"actor": actor, "type": _type(event)}
    option, old, new = event.detail, event.old_value, event.new_value
    if option == "allowed_methods":
        text = _("%(actor)s changed the methods allowed to %(type)s from %(old)s to %(new)s") % {
            **values,
            "old": _quoted(_methods(old)),
            "new": _quoted(_methods(new)),
        }
    elif option == "passwordless_passkeys":
        if new == "true":
            text = _("%(actor)s allowed %(type)s to sign in with a passkey alone, without a password") % values
        else:
            text = _("%(actor)s no longer allows %(type)s to sign in with a passkey alone") % values
    elif option == "email_code_before_enrolment":
        if new == "true":
            text = _("%(actor)s now asks %(type)s for a code sent by email before their first MFA set-up") % values
        else:
            text = (
                _("%(actor)s no longer asks %(type)s for a code sent by email before their first MFA set-up") % values
            )
    elif option == "trust_browser_days" and old.isdigit() and new.isdigit():
        text = _trust_days(values, int(old), int(new))
    else:
        text = _("%(actor)s changed the option %(option)s of %(type)s from %(old)s to %(new)s") % {
            **values,
            "option": option,
            "old": _quoted(old),
            "new": _quoted(new),
        }
    return _with_outcome(event, text)


def _trust_days(values: dict[str, str], old: int, new: int) -> str:
    if new == 0:
        return ngettext(
            "%(actor)s stopped offering Trust this browser to %(type)s (it was offered for %(old)s day)",
            "%(actor)s stopped offering Trust this browser to %(type)s (it was offered for %(old)s days)",
            old,
        ) % {**values, "old": old}
    if old == 0:
        return ngettext(
            "%(actor)s now offers Trust this browser to %(type)s, for %(new)s day",
            "%(actor)s now offers Trust this browser to %(type)s, for %(new)s days",
            new,
        ) % {**values, "new": new}
    return ngettext(
        "%(actor)s changed how long %(type)s may trust a browser from %(old)s to %(new)s day",
        "%(actor)s changed how long %(type)s may trust a browser from %(old)s to %(new)s days",
        new,
    ) % {**values, "old": old, "new": new}


def _status(value: str) -> str:
    """A status as the rows hold it (its English label, "Forced") in the active language."""
    for status in Status:
        if value in (status.label, status.value):
            return label(status)
    return value


@says(A.MFA_USER_ACTIVATED)
def _user_activated(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s activated MFA for %(subject)s (status %(old)s → %(new)s)") % {
        "actor": actor,
        "subject": subject_phrase(event),
        "old": _status(event.old_value),
        "new": _status(event.new_value),
    }
    return _with_outcome(event, text)


@says(A.MFA_USER_DEACTIVATED)
def _user_deactivated(event: AuditEvent, actor: str) -> str:
    text = _(
        "%(actor)s undid the individual MFA activation of %(subject)s, keeping the factors they set up "
        "(status %(old)s → %(new)s)"
    ) % {
        "actor": actor,
        "subject": subject_phrase(event),
        "old": _status(event.old_value),
        "new": _status(event.new_value),
    }
    return _with_outcome(event, text)


def _reset_consequences(summary: str) -> list[str]:
    """What a reset ended, from firmid.mfa.services._reset_summary: "2 factor(s) removed; …"."""
    found = []
    for part in (part.strip() for part in summary.split(";")):
        if not part:
            continue
        if part.endswith("factor(s) removed") and (count := _number(part)) is not None:
            found.append(ngettext("%(count)s factor removed", "%(count)s factors removed", count) % {"count": count})
        elif part == "sessions, tokens and trusted browsers ended":
            found.append(_("sessions, tokens and trusted browsers ended"))
        elif part.endswith("lost-device request(s) closed") and (count := _number(part)) is not None:
            found.append(
                ngettext("%(count)s lost-device request closed", "%(count)s lost-device requests closed", count)
                % {"count": count}
            )
        elif part == "set-up link sent":
            found.append(_("set-up link sent"))
        else:
            found.append(part)
    return found


@says(A.MFA_RESET)
def _reset(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s reset the MFA of %(subject)s") % {"actor": actor, "subject": subject_phrase(event)}
    reason = _("reason: %(reason)s") % {"reason": _quoted(event.detail)} if event.detail else ""
    return _with_outcome(event, _clauses(text, reason, *_reset_consequences(event.new_value)))


@says(A.MFA_KEYS_ROTATED)
def _keys_rotated(event: AuditEvent, actor: str) -> str:
    count = _number(event.detail)
    if count is None:
        text = _("%(actor)s re-encrypted the authenticator apps' secrets under the newest key") % {"actor": actor}
    else:
        text = ngettext(
            "%(actor)s re-encrypted %(count)s authenticator app secret under the newest key",
            "%(actor)s re-encrypted %(count)s authenticator app secrets under the newest key",
            count,
        ) % {"actor": actor, "count": count}
    return _with_outcome(event, text)


@says(A.MFA_REMINDER_SENT)
def _reminder(event: AuditEvent, actor: str) -> str:
    days = _number(event.detail)
    values = {"actor": actor, "subject": subject_phrase(event), "date": _day(event.new_value)}
    if days is None:
        text = _("%(actor)s emailed %(subject)s a reminder: MFA is mandatory from %(date)s") % values
    else:
        text = ngettext(
            "%(actor)s emailed %(subject)s a reminder: MFA is mandatory from %(date)s, in %(days)s day",
            "%(actor)s emailed %(subject)s a reminder: MFA is mandatory from %(date)s, in %(days)s days",
            days,
        ) % {**values, "days": days}
    return _with_outcome(event, text)


# Recovery codes, trusted browsers, lost devices, set-up links.


@says(A.MFA_RECOVERY_CODES_GENERATED)
def _codes_generated(event: AuditEvent, actor: str) -> str:
    count = _number(event.detail) or 0
    values = {"actor": actor, "count": count}
    if "previous set no longer works" in event.detail:
        text = ngettext(
            "%(actor)s generated %(count)s new recovery code; the previous set no longer works",
            "%(actor)s generated %(count)s new recovery codes; the previous set no longer works",
            count,
        )
    elif "with the first factor" in event.detail:
        text = ngettext(
            "%(actor)s received %(count)s recovery code with their first second factor",
            "%(actor)s received %(count)s recovery codes with their first second factor",
            count,
        )
    elif count:
        text = ngettext(
            "%(actor)s generated %(count)s recovery code", "%(actor)s generated %(count)s recovery codes", count
        )
    else:
        text = _("%(actor)s generated recovery codes")
    return _with_outcome(event, text % values)


@says(A.MFA_RECOVERY_CODE_USED)
def _code_used(event: AuditEvent, actor: str) -> str:
    left = _number(event.detail)
    if left is None:
        return _with_outcome(event, _("%(actor)s used a recovery code") % {"actor": actor})
    text = ngettext(
        "%(actor)s used a recovery code (%(left)s left)", "%(actor)s used a recovery code (%(left)s left)", left
    ) % {"actor": actor, "left": left}
    return _with_outcome(event, text)


_TRUSTED_FOR = re.compile(r"^(?P<browser>.*) for (?P<days>\d+) day\(s\)$")
_TRUST_USED = "used at sign-in instead of a second factor: "


@says(A.MFA_BROWSER_TRUSTED)
def _browser_trusted(event: AuditEvent, actor: str) -> str:
    if event.detail.startswith(_TRUST_USED):
        browser = _browser(event.detail.removeprefix(_TRUST_USED))
        text = _("%(actor)s signed in from a trusted browser (%(browser)s), without a second factor") % {
            "actor": actor,
            "browser": browser,
        }
        return _with_outcome(event, text)
    found = _TRUSTED_FOR.match(event.detail)
    if found is None:
        return _with_outcome(event, _("%(actor)s trusted a browser") % {"actor": actor})
    days = int(found["days"])
    text = ngettext(
        "%(actor)s trusted a browser (%(browser)s) for %(days)s day",
        "%(actor)s trusted a browser (%(browser)s) for %(days)s days",
        days,
    ) % {"actor": actor, "browser": _browser(found["browser"]), "days": days}
    return _with_outcome(event, text)


_ALL_BROWSERS = re.compile(r"^all \((?P<count>\d+)\)$")


@says(A.MFA_TRUSTED_BROWSER_REVOKED)
def _browser_revoked(event: AuditEvent, actor: str) -> str:
    every = _ALL_BROWSERS.match(event.detail)
    if every is not None:
        count = int(every["count"])
        text = ngettext(
            "%(actor)s stopped trusting all their browsers (%(count)s)",
            "%(actor)s stopped trusting all their browsers (%(count)s)",
            count,
        ) % {"actor": actor, "count": count}
    elif event.detail:
        text = _("%(actor)s stopped trusting a browser (%(browser)s)") % {
            "actor": actor,
            "browser": _browser(event.detail),
        }
    else:
        text = _("%(actor)s stopped trusting a browser") % {"actor": actor}
    return _with_outcome(event, text)


@says(A.MFA_LOST_DEVICE_REPORTED)
def _lost_device(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s told support they can no longer use their second factor (lost device)") % {"actor": actor}
    return _with_outcome(event, text)


@says(A.MFA_SETUP_LINK_SENT)
def _setup_link(event: AuditEvent, actor: str) -> str:
    hours = _number(event.detail)
    values = {"actor": actor, "subject": subject_phrase(event)}
    if hours is None:
        text = _("%(actor)s emailed %(subject)s a link to set MFA up") % values
    else:
        text = ngettext(
            "%(actor)s emailed %(subject)s a link to set MFA up, valid for %(hours)s hour",
            "%(actor)s emailed %(subject)s a link to set MFA up, valid for %(hours)s hours",
            hours,
        ) % {**values, "hours": hours}
    return _with_outcome(event, text)


@says(A.MFA_MAILBOX_PROVEN)
def _mailbox_proven(event: AuditEvent, actor: str) -> str:
    if event.detail == "set-up link":
        text = _("%(actor)s proved they read their email with the set-up link, before setting MFA up")
    elif event.detail == "code sent by email":
        text = _("%(actor)s proved they read their email with a code sent by email, before setting MFA up")
    else:
        text = _("%(actor)s proved they read their email before setting MFA up")
    return _with_outcome(event, text % {"actor": actor})


# Exports.

_FILTERS = re.compile(r"^CSV export \((?P<filters>.*)\)$")


def _filter_text(name: str, value: str) -> str:
    """One filter of an export, in words: "user type: Practitioners"."""
    if name == "user_type":
        return _("user type: %(value)s") % {"value": label(value)}
    if name == "status":
        return _("status: %(value)s") % {"value": label(value)}
    if name == "action":
        return _("event: %(value)s") % {"value": _action_filter_label(value)}
    if name == "person":
        return _("person: %(value)s") % {"value": _quoted(value)}
    if name == "from":
        return _("from %(date)s") % {"date": _day(value)}
    if name == "to":
        return _("to %(date)s") % {"date": _day(value)}
    return f"{name} = {value}"


def _action_filter_label(value: str) -> str:
    if value.startswith("group:"):
        key = value.removeprefix("group:")
        return next((str(name) for group, name, _actions in ACTION_GROUPS if group == key), value)
    return action_label(value)


def _filters(detail: str) -> str:
    """An export's filters as recorded ("CSV export (user_type=practitioners, status=forced)"), in words."""
    found = _FILTERS.match(detail or "")
    if found is None or found["filters"] == "no filter":
        return ""
    texts = []
    for item in found["filters"].split(", "):
        name, _sign, value = item.partition("=")
        texts.append(_filter_text(name.strip(), value.strip()))
    return ", ".join(texts)


@says(A.MFA_UNCOVERED_EXPORTED)
def _uncovered_exported(event: AuditEvent, actor: str) -> str:
    filters = _filters(event.detail)
    if filters:
        text = _("%(actor)s exported the users without MFA as CSV (%(filters)s)") % {"actor": actor, "filters": filters}
    else:
        text = _("%(actor)s exported the users without MFA as CSV") % {"actor": actor}
    return _with_outcome(event, text)


@says(A.AUDIT_EXPORTED)
def _audit_exported(event: AuditEvent, actor: str) -> str:
    filters = _filters(event.detail)
    if filters:
        text = _("%(actor)s exported the audit trail as CSV (%(filters)s)") % {"actor": actor, "filters": filters}
    else:
        text = _("%(actor)s exported the audit trail as CSV") % {"actor": actor}
    return _with_outcome(event, text)


# Accounts.


@says(A.USER_ENABLED)
def _user_enabled(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s enabled the account of %(subject)s again") % {"actor": actor, "subject": subject_phrase(event)}
    return _with_outcome(event, text)


@says(A.USER_DISABLED)
def _user_disabled(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s disabled the account of %(subject)s: they can no longer sign in") % {
        "actor": actor,
        "subject": subject_phrase(event),
    }
    return _with_outcome(event, text)


@says(A.EMAIL_CHANGED)
def _email_changed(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s changed the email address of %(subject)s from %(old)s to %(new)s") % {
        "actor": actor,
        "subject": subject_phrase(event),
        "old": event.old_value,
        "new": event.new_value,
    }
    return _with_outcome(event, text)


@says(A.PASSWORD_RESET_REQUESTED)
def _reset_requested(event: AuditEvent, actor: str) -> str:
    text = _("A password reset link was requested for %(subject)s and emailed to their address") % {
        "subject": subject_phrase(event)
    }
    return _with_outcome(event, text)


@says(A.PASSWORD_CHANGED, A.PASSWORD_SET)
def _password_changed(event: AuditEvent, actor: str) -> str:
    subject = subject_phrase(event)
    if event.detail.startswith("on the command line"):
        text = _("The password of %(subject)s was changed on the command line") % {"subject": subject}
    elif event.action == A.PASSWORD_SET:
        text = _("%(actor)s set a password") % {"actor": actor}
        text = _for_subject(event, text)
    else:
        text = _for_subject(event, _("%(actor)s changed their password") % {"actor": actor})
    return _with_outcome(event, text)


@says(A.PASSWORD_RESET)
def _password_reset(event: AuditEvent, actor: str) -> str:
    text = _("The password of %(subject)s was reset with the link emailed to them") % {"subject": subject_phrase(event)}
    return _with_outcome(event, text)


# SSO connections.

SSO_PROBLEMS: dict[str, Promise] = {
    # firmid.sso.upstream.Problem
    "insecure_url": gettext_lazy("the provider's address is not an https address"),
    "unreachable": gettext_lazy("the provider could not be reached"),
    "timeout": gettext_lazy("the provider did not answer in time"),
    "tls": gettext_lazy("the provider's TLS certificate was refused"),
    "not_openid_configuration": gettext_lazy("the provider's discovery document is not an OpenID configuration"),
    "wrong_issuer": gettext_lazy("the provider's discovery document names another issuer"),
    "no_pkce_s256": gettext_lazy("the provider does not offer PKCE with S256"),
    "no_code_flow": gettext_lazy("the provider does not offer the authorization code flow"),
    "no_jwks": gettext_lazy("the provider publishes no signing keys"),
    "bad_jwks": gettext_lazy("the provider's signing keys cannot be read"),
    "upstream_error": gettext_lazy("the provider answered with an error"),
    "token_error": gettext_lazy("the provider did not give the tokens"),
    "bad_id_token": gettext_lazy("the provider's ID token was refused"),
    # firmid.sso.rules.Refusal
    "linked_to_other_firm_or_type": gettext_lazy(
        "the provider's account is linked to a firmid user this connection does not manage"
    ),
    "user_disabled": gettext_lazy("the firmid account is disabled"),
    "no_email": gettext_lazy("the provider did not give an email address"),
    "email_not_verified": gettext_lazy("the provider does not confirm that the address is verified"),
    "email_of_other_firm_or_type": gettext_lazy(
        "the address belongs to a firmid account this connection does not manage"
    ),
    "user_linked_to_another_upstream_account": gettext_lazy(
        "the firmid account is already linked to another account of the provider"
    ),
    "unknown_user": gettext_lazy("no firmid account has this address, and the firm does not create accounts"),
    "no_client_company": gettext_lazy("the connection names no client company for new users"),
    # firmid.signin.federation
    "connection_unknown": gettext_lazy("the sign-in link names no known connection"),
    "state": gettext_lazy("the sign-in link had expired or was already used"),
    "connection_disabled": gettext_lazy("the connection is disabled"),
    "iss_mismatch": gettext_lazy("the answer came from another issuer"),
    "no_upstream_mfa": gettext_lazy("the firm requires MFA at its provider, and this sign-in used none"),
    "step_up_other_user": gettext_lazy("the provider signed in another user than the one confirming"),
}


def _sso_reason(code: str) -> str:
    if code.startswith("upstream_error:"):
        return _("the provider answered with the error %(code)s") % {"code": code.removeprefix("upstream_error:")}
    words = SSO_PROBLEMS.get(code)
    return str(words) if words is not None else code


@says(A.SSO_CONNECTED)
def _sso_connected(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s added an SSO connection for %(type)s, with the identity provider %(issuer)s") % {
        "actor": actor,
        "type": _type(event),
        "issuer": event.new_value,
    }
    return _with_outcome(event, text)


@says(A.SSO_UPDATED)
def _sso_updated(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s changed the SSO connection of %(type)s (identity provider %(issuer)s)") % {
        "actor": actor,
        "type": _type(event),
        "issuer": event.new_value,
    }
    return _with_outcome(event, text)


@says(A.SSO_SECRET_REPLACED)
def _sso_secret(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s replaced the client secret of the SSO connection of %(type)s") % {
        "actor": actor,
        "type": _type(event),
    }
    return _with_outcome(event, text)


_SSO_ENDED = re.compile(
    r"^(?P<ended>\d+) users' sessions(?: and tokens)? ended(?:; (?P<asked>\d+) asked to set a password)?$"
)


@says(A.SSO_ENABLED)
def _sso_enabled(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s enabled the SSO connection of %(type)s (%(issuer)s)") % {
        "actor": actor,
        "type": _type(event),
        "issuer": event.new_value,
    }
    found = _SSO_ENDED.match(event.detail)
    ended = ""
    if found is not None:
        count = int(found["ended"])
        ended = ngettext(
            "the sessions and tokens of %(count)s user ended", "the sessions and tokens of %(count)s users ended", count
        ) % {"count": count}
    return _with_outcome(event, _clauses(text, ended or event.detail))


@says(A.SSO_DISABLED)
def _sso_disabled(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s disabled the SSO connection of %(type)s (%(issuer)s)") % {
        "actor": actor,
        "type": _type(event),
        "issuer": event.old_value,
    }
    found = _SSO_ENDED.match(event.detail)
    if found is None:
        return _with_outcome(event, _clauses(text, event.detail))
    ended, asked = int(found["ended"]), int(found["asked"] or 0)
    clauses = [
        ngettext("the sessions of %(count)s user ended", "the sessions of %(count)s users ended", ended)
        % {"count": ended}
    ]
    if asked:
        clauses.append(
            ngettext(
                "%(count)s user without a password was asked to set one",
                "%(count)s users without a password were asked to set one",
                asked,
            )
            % {"count": asked}
        )
    return _with_outcome(event, _clauses(text, *clauses))


@says(A.SSO_TESTED)
def _sso_tested(event: AuditEvent, actor: str) -> str:
    values = {"actor": actor, "type": _type(event)}
    if event.outcome == AuditOutcome.SUCCESS:
        return _("%(actor)s tested the SSO connection of %(type)s: it works") % values
    if event.detail:
        return _("%(actor)s tested the SSO connection of %(type)s: it failed, %(reason)s") % {
            **values,
            "reason": _sso_reason(event.detail),
        }
    return _("%(actor)s tested the SSO connection of %(type)s: it failed") % values


_SSO_AMR = re.compile(r"^amr (?P<amr>.*); (?P<mfa>MFA|no MFA) at the provider$")


@says(A.SSO_SIGN_IN)
def _sso_sign_in(event: AuditEvent, actor: str) -> str:
    if event.outcome == AuditOutcome.SUCCESS:
        found = _SSO_AMR.match(event.detail)
        if found is not None and found["mfa"] == "MFA":
            text = _("%(actor)s signed in through the firm's identity provider, with MFA at the provider")
        elif found is not None:
            text = _("%(actor)s signed in through the firm's identity provider, without MFA at the provider")
        else:
            text = _("%(actor)s signed in through the firm's identity provider")
        return text % {"actor": actor}
    values = {"type": _type(event), "reason": _sso_reason(event.detail), "address": event.new_value}
    if event.outcome == AuditOutcome.FAILURE:  # the provider failed (it answered 5xx), not the rules
        if event.user_type:
            return _("A sign-in through the identity provider of %(type)s failed: %(reason)s") % values
        return _("A sign-in through an identity provider failed: %(reason)s") % values
    if event.user_type and event.new_value:
        text = _("A sign-in of %(address)s through the identity provider of %(type)s was refused: %(reason)s")
    elif event.user_type:
        text = _("A sign-in through the identity provider of %(type)s was refused: %(reason)s")
    else:
        text = _("A sign-in through an identity provider was refused: %(reason)s")
    return text % values


@says(A.SSO_LINKED)
def _sso_linked(event: AuditEvent, actor: str) -> str:
    text = _(
        "The account of %(actor)s was linked to the firm's identity provider (%(issuer)s) at their first sign-in through it"
    ) % {"actor": actor, "issuer": event.new_value}
    return _with_outcome(event, text)


@says(A.SSO_USER_CREATED)
def _sso_user_created(event: AuditEvent, actor: str) -> str:
    text = _(
        "The account of %(actor)s was created at their first sign-in through the firm's identity provider (%(issuer)s)"
    ) % {"actor": actor, "issuer": event.new_value}
    return _with_outcome(event, text)


# Applications (OpenID Connect clients): the name is in the detail, the client id in a value.


def _application(event: AuditEvent) -> dict[str, str]:
    return {"name": event.detail, "client_id": event.new_value or event.old_value}


@says(A.APPLICATION_REGISTERED)
def _application_registered(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s registered the application %(name)s (client ID %(client_id)s)")
    return _with_outcome(event, text % {"actor": actor, **_application(event)})


@says(A.APPLICATION_UPDATED)
def _application_updated(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s changed the application %(name)s (client ID %(client_id)s)")
    return _with_outcome(event, text % {"actor": actor, **_application(event)})


@says(A.APPLICATION_SECRET_REGENERATED)
def _application_secret(event: AuditEvent, actor: str) -> str:
    text = _(
        "%(actor)s regenerated the secret of the application %(name)s (client ID %(client_id)s); the old one no "
        "longer works"
    )
    return _with_outcome(event, text % {"actor": actor, **_application(event)})


@says(A.APPLICATION_DELETED)
def _application_deleted(event: AuditEvent, actor: str) -> str:
    text = _("%(actor)s deleted the application %(name)s (client ID %(client_id)s)")
    return _with_outcome(event, text % {"actor": actor, **_application(event)})
