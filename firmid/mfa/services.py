"""Writes of one user's MFA: individual activation (and its undoing), and support's reset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from django.db import transaction
from django.utils.translation import gettext as _

from firmid.accounts.models import User
from firmid.accounts.permissions import require_can_change_mfa
from firmid.accounts.services import user_end_sessions
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core import clock
from firmid.core.errors import Conflict, ServiceError
from firmid.mfa import guard, notifications
from firmid.mfa.mailbox import mailbox_proofs_clear, setup_link_issue
from firmid.mfa.models import LostDeviceRequest
from firmid.mfa.registry import guard_state_cleared
from firmid.mfa.selectors import forget_decisions, user_mfa_decision, user_mfa_decision_after_deactivation
from firmid.mfa.trust import trusted_browsers_clear
from firmid.policy import Decision, Status
from firmid.tenancy.labels import label

if TYPE_CHECKING:
    from django.http import HttpRequest


def user_activate_mfa(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Ask `user` to set MFA up at their next sign-in, whatever their firm's level."""
    require_can_change_mfa(actor)
    decision = user_mfa_decision(user=user)
    if not decision.may_activate:
        raise Conflict(
            _("MFA cannot be activated for this user: their status is %(status)s.") % {"status": label(decision.status)}
        )
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
            raise Conflict(_("MFA's individual activation for this user was already undone."))
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
        raise Conflict(_("Support agents always use MFA: it cannot be deactivated for them."))
    if decision.managed_by_sso:
        raise Conflict(
            _(
                "This user signs in through their firm's SSO connection: their identity provider manages "
                "MFA, so it cannot be deactivated here."
            )
        )
    if not decision.may_deactivate:
        raise Conflict(_("MFA was not activated for this user: there is no individual activation to undo."))
    return decision


# The agent's reason is written whole into the reset's audit row, whose detail holds 255 characters.
RESET_REASON_MIN = 3
RESET_REASON_MAX = 255


def clean_reset_reason(reason: str) -> str:
    """Return the agent's reason for a reset, trimmed, or refuse it with a clear message."""
    reason = " ".join((reason or "").split())
    if not RESET_REASON_MIN <= len(reason) <= RESET_REASON_MAX:
        raise ServiceError(
            _("Give the reason for this reset (%(min)d to %(max)d characters): the request, ticket or call it answers.")
            % {"min": RESET_REASON_MIN, "max": RESET_REASON_MAX}
        )
    return reason


def user_reset_mfa(
    *,
    actor: User,
    user: User,
    reason: str,
    send_setup_link: bool = False,
    request: HttpRequest | None = None,
) -> None:
    """Remove the user's factors, end what they hold, close their lost-device requests; optionally email a set-up link.

    Everything the user held ends in one transaction with the audit row: factors (recovery
    codes too), the attempt guard's state, sessions and tokens (sessions_ended), trusted
    browsers, pending set-up links and codes. `reason` (required by support's page; the API
    does not ask it yet: None) is written into the audit row.
    """
    require_can_change_mfa(actor)
    if user.is_support_agent or not user_mfa_decision(user=user).may_reset:
        raise Conflict(_("This user's MFA is not managed by firmid, so it cannot be reset here."))
    reason = clean_reset_reason(reason)
    with transaction.atomic():
        removed = Authenticator.objects.filter(user=user).delete()[0]
        guard.clear(user_id=user.pk, factor_state=guard_state_cleared())
        user_end_sessions(user=user)
        trusted_browsers_clear(user_id=user.pk)
        mailbox_proofs_clear(user_id=user.pk)
        closed = LostDeviceRequest.objects.filter(user=user, handled_at__isnull=True).update(
            handled_at=clock.now(), handled_by=actor
        )
        audit_record(
            action=AuditAction.MFA_RESET,
            actor=actor,
            subject=user,
            request=request,
            detail=reason,
            new_value=_reset_summary(removed=removed, closed=closed, link=send_setup_link),
        )
        if send_setup_link:
            setup_link_issue(user=user, actor=actor, request=request)
        transaction.on_commit(lambda: notifications.factor_reset(user=user))


def _reset_summary(*, removed: int, closed: int, link: bool) -> str:
    parts = [f"{removed} factor(s) removed", "sessions, tokens and trusted browsers ended"]
    if closed:
        parts.append(f"{closed} lost-device request(s) closed")
    if link:
        parts.append("set-up link sent")
    return "; ".join(parts)
