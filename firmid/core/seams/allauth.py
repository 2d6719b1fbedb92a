"""allauth's private API that firmid uses, in one place (pinned by firmid/core/tests/test_seams.py).

allauth keeps these in `internal` modules and `_methods`, free to change in any release.
Written against django-allauth WRITTEN_FOR; after an upgrade, a failing seam test says
which entry changed: re-read it here and at its site, then update both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# A view behind a login stage: enters the stage (or redirects) and sets login_stage_of(request).
from allauth.account.internal.decorators import login_stage_required

# The session's authentication log: records are dicts with "method" ("password", "mfa",
# "socialaccount"), "at" (Unix time) and, for "mfa", the factor's "type" and "id". The login
# stages, the OIDC amr/acr/auth_time and the re-authentication window read it.
from allauth.account.internal.flows.login import get_authentication_records, record_authentication

# Ends the pending sign-in: drops the stashed login and the session's authentication log.
from allauth.account.internal.stagekit import clear_login

# allauth's rate limiter, driven directly by the shared-cache tests (firmid/ops/tests).
from allauth.core.internal import ratelimit

# The redirect a login stage returns (a 500 in headless-only mode, which firmid is not).
from allauth.core.internal.httpkit import headed_redirect_response

# TOTP: the Authenticator row with its encrypted secret (TOTP.activate(user, secret)), and
# the RFC 4226/6238 arithmetic firmid's replay guard uses to check a code at a given step.
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

# WebAuthn: the creation options of a new key (its challenge kept in the session), and the
# Authenticator row of a key whose registration allauth's form verified (WebAuthn.add).
from allauth.mfa.webauthn.internal.auth import WebAuthn
from allauth.mfa.webauthn.internal.auth import begin_registration as webauthn_creation_options

from firmid.core.seams import Hook

if TYPE_CHECKING:
    from allauth.account.stages import LoginStage
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.http import HttpRequest

WRITTEN_FOR = "65.22.1"
DISTRIBUTION = "django-allauth"

__all__ = [
    "HOOKS",
    "TOTP",
    "clear_login",
    "deactivate_totp",
    "format_hotp_value",
    "generate_totp_secret",
    "get_authentication_records",
    "headed_redirect_response",
    "hotp_value",
    "login_stage_of",
    "login_stage_required",
    "ratelimit",
    "record_authentication",
    "validate_can_add_authenticator",
    "WebAuthn",
    "post_authentication",
    "remove_webauthn",
    "webauthn_creation_options",
]


def login_stage_of(request: HttpRequest) -> LoginStage:
    """Return the login stage that login_stage_required entered for this request."""
    return request._login_stage  # type: ignore[attr-defined]


def validate_can_add_authenticator(user: AbstractBaseUser) -> None:
    """Refuse a factor to a user with an unverified address, as allauth's own set-up does."""
    # Imported when called: allauth.mfa's flows load the MFA forms, which firmid's forms are.
    from allauth.mfa.internal.flows.add import validate_can_add_authenticator as validate

    validate(user)


def deactivate_totp(request: HttpRequest, authenticator: Authenticator) -> None:
    """Remove the authenticator app as allauth's own page does: delete it, signal, message and mail."""
    # Imported when called, for the same reason as validate_can_add_authenticator.
    from allauth.mfa.totp.internal.flows import deactivate_totp as deactivate

    deactivate(request, authenticator)


def remove_webauthn(request: HttpRequest, authenticator: Authenticator) -> None:
    """Remove a passkey as allauth's own page does: delete it, signal, message and mail."""
    from allauth.mfa.webauthn.internal.flows import remove_authenticator

    remove_authenticator(request, authenticator)


def post_authentication(
    request: HttpRequest,
    authenticator: Authenticator,
    *,
    reauthenticated: bool = False,
    passwordless: bool = False,
    **facts: object,
) -> None:
    """Record a factor used as allauth's forms do (its last use, the session's log, authenticator_used).

    `facts` (user_verified, say) join the record allauth just wrote: allauth's own keys stay as they are.
    """
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.base.internal.flows import post_authentication as post

    post(request, authenticator, reauthenticated=reauthenticated, passwordless=passwordless)
    records = get_authentication_records(request, authenticator.user)
    if facts and records:
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [*records[:-1], {**records[-1], **facts}]


_ADAPTER = "allauth.account.adapter.DefaultAccountAdapter"
_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"

HOOKS = (
    Hook(
        owner=_ADAPTER,
        name="_get_login_attempts_cache_key",
        overridden=True,
        why="the key of the failed-login limit, one per account whatever the Host (issue 7)",
        site="firmid.accounts.adapter.AccountAdapter",
        params=("self", "request", "**credentials"),
        used_by=("pre_authenticate",),
    ),
    Hook(
        owner=_ADAPTER,
        name="_rollback_login_failed_rl_usage",
        why="gives back the attempt pre_authenticate counted, when a store failed before the verdict",
        site="firmid.accounts.adapter.AccountAdapter",
        params=("self",),
        used_by=("authenticate",),
    ),
    Hook(
        owner=_BACKEND,
        name="_authenticate_by_email",
        overridden=True,
        why="the user's one address signs in, never another allauth address row (issue 7)",
        site="firmid.signin.backends.AuthenticationBackend",
        params=("self", "email", "password"),
        used_by=("_authenticate",),
    ),
    Hook(
        owner=_BACKEND,
        name="_check_password",
        why="checks the password, notes that it was checked (timing) and stashes an inactive user",
        site="firmid.signin.backends.AuthenticationBackend",
        params=("self", "user", "password"),
        used_by=("_authenticate_by_email",),
    ),
)
