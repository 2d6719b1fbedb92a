"""Signals that keep the provider in step with sign-in: session rotation at a step-up, ended sessions."""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from django.dispatch import receiver

from firmid.accounts.signals import sessions_ended
from firmid.oidc.policy import revoke_user_tokens


@receiver(mfa_signals.authenticator_used)
def on_factor_used(sender: Any, request: Any, user: Any, reauthenticated: bool = False, **kwargs: Any) -> None:
    # A step-up is an authentication step: the session id changes (ASVS 7.2.4).
    if reauthenticated and request is not None:
        request.session.cycle_key()


@receiver(sessions_ended)
def on_sessions_ended(sender: Any, user: Any, **kwargs: Any) -> None:
    # Every session of the user ended: so do the tokens they hold in every application.
    revoke_user_tokens(user=user)
