"""Writes of one user's MFA: individual activation (and its undoing), and support's reset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from django.db import transaction

from firmid.accounts.models import User
from firmid.accounts.permissions import require_can_change_mfa
from firmid.accounts.services import user_end_sessions
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core.errors import Conflict
from firmid.mfa import guard, notifications
from firmid.mfa.registry import guard_state_cleared
from firmid.mfa.selectors import forget_decisions, user_mfa_decision, user_mfa_decision_after_deactivation
from firmid.policy import Decision, Status

if TYPE_CHECKING:
    from django.http import HttpRequest


def user_activate_mfa(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Ask `user` to set MFA up at their next sign-in, whatever their firm's level."""
    require_can_change_mfa(actor)
    decision = user_mfa_decision(user=user)
    if not decision.may_activate:
        raise Conflict(f"MFA cannot be activated for this user: their status is {decision.status.label}.")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(mfa_individually_activated=True)
        forget_decisions()
        audit_record(
            action=AuditAction.MFA_USER_ACTIVATED,
            actor=actor,
            subject=user,
            request=request,
            old_value=decision.status.label,
            new_value=Status.FORCED.label,
        )
    user.mfa_individually_activated = True


def user_deactivate_mfa(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Undo MFA's individual activation for `user`; a factor they configured stays and is still asked for."""
    require_can_change_mfa(actor)
    before = require_mfa_deactivatable(user=user)
    after = user_mfa_decision_after_deactivation(user=user)
    with transaction.atomic():
        # Only one of two agents undoing it at once changes the row, and only that one audits.
        undone = User.objects.filter(pk=user.pk, mfa_individually_activated=True).update(
            mfa_individually_activated=False
        )
        if not undone:
            raise Conflict("MFA's individual activation for this user was already undone.")
        forget_decisions()
        audit_record(
            action=AuditAction.MFA_USER_DEACTIVATED,
            actor=actor,
            subject=user,
            request=request,
            old_value=before.status.label,
            new_value=after.status.label,
            detail="individual activation undone; configured factors kept",
        )
    user.mfa_individually_activated = False


def require_mfa_deactivatable(*, user: User) -> Decision:
    """Refuse unless firmid manages `user`'s MFA and it was activated for them individually; return their decision."""
    decision = user_mfa_decision(user=user)
    if user.is_support_agent:
        raise Conflict("Support agents always use MFA: it cannot be deactivated for them.")
    if decision.managed_by_sso:
        raise Conflict(
            "This user signs in through their firm's SSO connection: their identity provider manages "
            "MFA, so it cannot be deactivated here."
        )
    if not decision.may_deactivate:
        raise Conflict("MFA was not activated for this user: there is no individual activation to undo.")
    return decision


def user_reset_mfa(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Remove the user's factors and end their sessions; their firm's level (and any individual activation) apply."""
    require_can_change_mfa(actor)
    if user.is_support_agent or not user_mfa_decision(user=user).may_reset:
        raise Conflict("This user's MFA is not managed by firmid, so it cannot be reset here.")
    with transaction.atomic():
        removed = Authenticator.objects.filter(user=user).delete()[0]
        guard.clear(user_id=user.pk, factor_state=guard_state_cleared())
        user_end_sessions(user=user)
        audit_record(
            action=AuditAction.MFA_RESET,
            actor=actor,
            subject=user,
            request=request,
            detail=f"{removed} factor(s) removed, sessions ended",
        )
        transaction.on_commit(lambda: notifications.factor_reset(user=user))
