"""Writes on users that end what they hold: sessions everywhere, tokens in every application."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F

from firmid.accounts.models import User
from firmid.accounts.permissions import require_can_change_mfa
from firmid.audit.services import audit_record
from firmid.core.errors import Conflict

if TYPE_CHECKING:
    from django.http import HttpRequest


@transaction.atomic
def user_end_sessions(*, user: User) -> None:
    """End every session of `user` (their session hash changes) and revoke all their tokens."""
    from firmid.oidc.policy import revoke_user_tokens

    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    revoke_user_tokens(user=user)


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool, request: HttpRequest | None = None) -> None:
    """Disable (or enable again) a firm user; disabling ends their sessions and tokens."""
    require_can_change_mfa(actor)
    if user.is_support_agent:
        raise Conflict("Support agents are not managed here.")
    if user.is_active == active:
        return
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    if not active:
        user_end_sessions(user=user)
    audit_record(
        action="user_enabled" if active else "user_disabled", actor=actor, subject=user, request=request,
        old_value=str(not active), new_value=str(active),
    )
