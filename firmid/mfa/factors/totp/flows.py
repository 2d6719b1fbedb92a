"""The authenticator app's use-cases: set-up during sign-in (Enhance your account security), removal."""

from __future__ import annotations

from allauth.mfa import signals
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from firmid.accounts.models import User
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core import crypto
from firmid.core.errors import Conflict
from firmid.core.seams.allauth import TOTP, deactivate_totp, generate_totp_secret
from firmid.mfa import notifications

PENDING_SECRET = "firmid_mfa_pending_secret"  # noqa: S105 - a session key's name
REPLACEMENT_SECRET = "firmid_mfa_replacement_secret"  # noqa: S105 - a session key's name


def pending_secret(request: HttpRequest, user: User) -> str:
    """Return the secret being set up in this session, making one from the CSPRNG at first.

    The same key until a factor is set up or the session ends: a key the user scanned stays the key.
    """
    pending = request.session.get(PENDING_SECRET)
    if not pending or pending.get("user") != str(user.public_id):
        pending = {"user": str(user.public_id), "secret": generate_totp_secret()}
        request.session[PENDING_SECRET] = pending
    return pending["secret"]


def totp_url(user: User, secret: str) -> str:
    return get_adapter().build_totp_url(user, secret)


def totp_qr_svg(url: str) -> str:
    return get_adapter().build_totp_svg(url)


def complete_enrolment(request: HttpRequest, user: User, secret: str) -> Authenticator:
    """Store the confirmed factor (encrypted) with its audit row, count it as this sign-in's second factor, notify."""
    try:
        with transaction.atomic():
            authenticator = TOTP.activate(user, secret).instance
            audit_factor_added(request=request, user=user, authenticator=authenticator)
    except IntegrityError:
        raise Conflict(_("An authenticator is already set up for this account. Sign in again.")) from None
    request.session.pop(PENDING_SECRET, None)
    # Its receiver (firmid.mfa.step_up) counts the factor as this sign-in's second factor.
    signals.authenticator_added.send(sender=Authenticator, request=request, user=user, authenticator=authenticator)
    notifications.factor_enrolled(user=user)
    return authenticator


def audit_factor_added(*, request: HttpRequest | None, user: User, authenticator: Authenticator) -> None:
    """Audit a factor set up by its user: call it inside the transaction that stores the factor."""
    audit_record(
        action=AuditAction.MFA_FACTOR_ADDED, actor=user, subject=user, request=request, factor_type=authenticator.type
    )


def audit_factor_removed(*, request: HttpRequest | None, user: User, authenticator: Authenticator) -> None:
    """Audit a factor removed by its user: call it inside the transaction that deletes the factor."""
    audit_record(
        action=AuditAction.MFA_FACTOR_REMOVED, actor=user, subject=user, request=request, factor_type=authenticator.type
    )


def forget_pending_secret(request: HttpRequest) -> None:
    """The sign-in ended: the key shown during it is of no further use."""
    request.session.pop(PENDING_SECRET, None)


def postpone_enrolment(request: HttpRequest, user: User) -> None:
    # The key stays for the rest of this session: if an application then asks for MFA, its
    # set-up page shows the key the user may already have scanned, not a new one.
    audit_record(action=AuditAction.MFA_ENROLMENT_POSTPONED, actor=user, subject=user, request=request)


def remove_totp(*, request: HttpRequest, authenticator: Authenticator) -> None:
    """Remove the authenticator app at its user's request: the removal and its audit row, or neither."""
    with transaction.atomic():
        # The row first: allauth mails the user as it deletes, and a refused row must stop
        # that mail too, not only roll the removal back.
        audit_factor_removed(request=request, user=request.user, authenticator=authenticator)
        deactivate_totp(request, authenticator)


def replacement_secret(request: HttpRequest, authenticator: Authenticator) -> str:
    """Return the new key offered to replace `authenticator` in this session, made once from the CSPRNG."""
    pending = request.session.get(REPLACEMENT_SECRET)
    if not pending or pending.get("authenticator") != authenticator.pk:
        pending = {"authenticator": authenticator.pk, "secret": generate_totp_secret()}
        request.session[REPLACEMENT_SECRET] = pending
    return pending["secret"]


def replace_totp(*, request: HttpRequest, authenticator: Authenticator, secret: str) -> None:
    """Swap the app's key for the new one the user just confirmed: the swap and its audit row, or neither.

    The old app's codes stop working at once; the factor keeps its row (added, last used).
    """
    user = request.user
    with transaction.atomic():
        # Only the row as it was read: a removal or a reset meanwhile makes this replace nothing.
        replaced = Authenticator.objects.filter(pk=authenticator.pk, user=user, type=Authenticator.Type.TOTP).update(
            data={**authenticator.data, "secret": crypto.encrypt(secret)}
        )
        if not replaced:
            raise Conflict(_("Your authenticator app was removed meanwhile: set a new one up from My account."))
        audit_record(
            action=AuditAction.MFA_FACTOR_REPLACED,
            actor=user,
            subject=user,
            request=request,
            factor_type=authenticator.type,
        )
    request.session.pop(REPLACEMENT_SECRET, None)
    signals.authenticator_reset.send(sender=Authenticator, request=request, user=user, authenticator=authenticator)
    notifications.factor_replaced(user=user)
