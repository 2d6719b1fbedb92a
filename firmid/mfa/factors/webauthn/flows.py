"""Passkeys' use-cases: set-up during sign-in and from My account, removal, and who may sign in with one alone."""

from __future__ import annotations

from allauth.mfa import signals
from allauth.mfa.models import Authenticator
from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from firmid.accounts.models import User
from firmid.core import clock
from firmid.core.errors import Conflict
from firmid.core.seams.allauth import WebAuthn, remove_webauthn, webauthn_creation_options
from firmid.mfa import notifications
from firmid.mfa.factors.totp.flows import audit_factor_added, audit_factor_removed
from firmid.mfa.levels.selectors import user_mfa_options
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import user_mfa_decision, user_mfa_decision_without

KIND = Authenticator.Type.WEBAUTHN.value


def creation_options(user: User) -> dict:
    """The browser's options for a new key of `user` (its challenge kept in the session)."""
    return webauthn_creation_options(user, False)


def complete_enrolment(request: HttpRequest, user: User, *, name: str, credential: dict) -> Authenticator:
    """Store a key verified during sign-in with its audit row, count it as this sign-in's second factor, notify."""
    with transaction.atomic():
        authenticator = WebAuthn.add(user, name, credential).instance
        audit_factor_added(request=request, user=user, authenticator=authenticator)
    # Its receiver (firmid.mfa.step_up) counts the factor as this sign-in's second factor.
    signals.authenticator_added.send(sender=Authenticator, request=request, user=user, authenticator=authenticator)
    notifications.factor_enrolled(user=user)
    return authenticator


def remove_passkey(*, request: HttpRequest, authenticator: Authenticator) -> None:
    """Remove a key at its user's request: the removal and its audit row, or neither.

    Refused (Conflict) when the policy would then demand a set-up at once: allauth's own
    removal of a key asks nobody.
    """
    if user_mfa_decision_without(user=authenticator.user, authenticator=authenticator).must_enroll:
        raise Conflict(_("This is your last allowed second factor and your account requires one: add another first."))
    with transaction.atomic():
        audit_factor_removed(request=request, user=authenticator.user, authenticator=authenticator)
        remove_webauthn(request, authenticator)


def may_add(user: User) -> bool:
    """May `user` set a key up: does their firm allow keys for their type?"""
    return user_mfa_options(user=user).allows(KIND)


def passwordless_refusal(user: User, *, user_verified: bool) -> str | None:
    """Why `user` may not sign in with a passkey alone (for the audit), or None if they may."""
    if user_mfa_decision(user=user).managed_by_sso:
        return "user type signs in through SSO"
    options = user_mfa_options(user=user)
    if not (options.passwordless_passkeys and options.allows(KIND)):
        return "firm does not allow passkey sign-in for the user type"
    if not user_verified:
        return "passkey did not verify its user"
    return None


# The sign-in page asks at every view: the answer is kept a little while in each process. It
# only shows or hides a button; who may sign in with a passkey alone is decided after it.
_OFFERED_FOR_SECONDS = 30
_offered: dict[str, float | bool] = {"until": 0.0, "value": False}


def passwordless_offered() -> bool:
    """Does any firm let a user type sign in with a passkey alone? (The sign-in page then offers it to all.)

    The sign-in page must open even while the database is down (its POST then answers 503):
    the button is then left out.
    """
    now = clock.timestamp()
    if now < _offered["until"]:
        return bool(_offered["value"])
    try:
        value = FirmMfaLevel.objects.filter(passwordless_passkeys=True).exists()
    except DatabaseError:
        return False
    _offered.update(until=now + _OFFERED_FOR_SECONDS, value=value)
    return value


def forget_passwordless_offered(**kwargs: object) -> None:
    """A level row was written in this process: ask the database again at the next sign-in page."""
    _offered.update(until=0.0)


PASSWORDLESS_REFUSED = gettext_lazy(
    "You cannot sign in with a passkey alone: your firm does not allow it for your account. "
    "Give your address and password instead."
)
