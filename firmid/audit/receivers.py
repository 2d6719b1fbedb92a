"""Authentication events reach the audit log through the signals Django and allauth send.

They record what happened (a sign-in, a code used), not a change of the account: each
change is audited by the service that makes it, in the same transaction.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from firmid.audit.actions import AuditAction, AuditOutcome
from firmid.audit.services import audit_record


@receiver(auth_signals.user_logged_in)
def on_signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action=AuditAction.SIGN_IN, actor=user, subject=user, request=request)


@receiver(auth_signals.user_logged_out)
def on_signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action=AuditAction.SIGN_OUT, actor=user, subject=user, request=request)


@receiver(auth_signals.user_login_failed)
def on_password_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    # Only the identifier is kept: the credentials also hold the password.
    identifier = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit_record(
        action=AuditAction.SIGN_IN_PASSWORD,
        outcome=AuditOutcome.FAILURE,
        request=request,
        detail=f"as {identifier}",
    )


# A factor added or removed is audited by firmid's own flows (firmid/mfa/enrolment.py,
# firmid/mfa/account_views.py), inside the transaction of the change: allauth sends
# authenticator_added only after the commit, and authenticator_removed outside any
# transaction, so a row written from them could be lost while the change stays.


@receiver(mfa_signals.authenticator_used)
def on_factor_used(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit_record(
        action=AuditAction.MFA_VERIFIED, actor=user, subject=user, request=request, factor_type=authenticator.type
    )
