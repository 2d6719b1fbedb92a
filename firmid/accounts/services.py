"""Writes on users that end what they hold: sessions everywhere, tokens in every application."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from firmid.accounts import notifications, signals
from firmid.accounts.models import TYPE_OF_ROLE, Role, User
from firmid.accounts.permissions import require_can_change_mfa
from firmid.accounts.selectors import user_by_address
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core.errors import Conflict, ServiceError

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.tenancy.models import ClientCompany, Firm


@transaction.atomic
def user_end_sessions(*, user: User) -> None:
    """End every session of `user` (their session hash changes) and revoke all their tokens."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    signals.sessions_ended.send(sender=User, user=user)


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool, request: HttpRequest | None = None) -> None:
    """Disable (or enable again) a firm user; disabling ends their sessions and tokens."""
    require_can_change_mfa(actor)
    if user.is_support_agent:
        raise Conflict(_("Support agents are not managed here."))
    if user.is_active == active:
        return
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    if not active:
        user_end_sessions(user=user)
    audit_record(
        action=AuditAction.USER_ENABLED if active else AuditAction.USER_DISABLED,
        actor=actor,
        subject=user,
        request=request,
        old_value=str(not active),
        new_value=str(active),
    )


@transaction.atomic
def user_set_password(
    *, user: User, password: str, action: AuditAction = AuditAction.PASSWORD_CHANGED, request: HttpRequest | None = None
) -> None:
    """Save `user`'s new password, end all their sessions and tokens, and audit it (as `action`), all or nothing."""
    user.set_password(password)
    user.save(update_fields=["password"])
    # A reset is made by whoever holds the emailed link, not by a signed-in user.
    actor = None if action == AuditAction.PASSWORD_RESET else user
    user_password_written(user=user, action=action, actor=actor, request=request)


@transaction.atomic
def user_password_written(
    *, user: User, action: AuditAction, actor: User | None = None, request: HttpRequest | None = None, detail: str = ""
) -> None:
    """After a new password was saved: end every session and token of `user`, and audit it."""
    user_end_sessions(user=user)
    # The in-memory user must carry the new generation, or keeping this session would use a stale hash.
    user.refresh_from_db(fields=["session_generation"])
    audit_record(action=action, actor=actor, subject=user, request=request, detail=detail)


def user_change_email(*, actor: User, user: User, email: str, request: HttpRequest | None = None) -> None:
    """Give a firm user a new address (support only): their sessions and tokens end, both addresses are told."""
    require_can_change_mfa(actor)
    if user.is_support_agent:
        raise Conflict(_("Support agents are not managed here."))
    new = clean_address(email)
    if new == user.email.lower():
        raise ServiceError(_("This is already the user's address."))
    try:
        old = _save_address(actor=actor, user=user, new=new, request=request)
    except IntegrityError:
        # Taken meanwhile by another account (the database's unique address decides).
        raise Conflict(_TAKEN % {"email": new}) from None
    transaction.on_commit(lambda: notifications.address_changed(user=user, old=old))


_TAKEN = gettext_lazy("Another account already uses %(email)s: each address belongs to one user.")


def clean_address(email: str) -> str:
    """Return `email` trimmed and lowercased, or refuse it with a clear message."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ServiceError(_("Enter a valid email address.")) from None
    if len(email) > User._meta.get_field("email").max_length:
        raise ServiceError(_("This email address is too long."))
    return email


@transaction.atomic
def _save_address(*, actor: User, user: User, new: str, request: HttpRequest | None) -> str:
    """Write the new address, end what the user holds and audit it; return the old address."""
    old = User.objects.select_for_update().values_list("email", flat=True).get(pk=user.pk)
    if user_by_address(email=new) is not None:
        raise Conflict(_TAKEN % {"email": new})
    User.objects.filter(pk=user.pk).update(email=new)
    # allauth's own copy of the address (notices, re-authentication) follows the one address.
    EmailAddress.objects.filter(user=user).exclude(primary=True).delete()
    EmailAddress.objects.update_or_create(user=user, primary=True, defaults={"email": new, "verified": True})
    user.email = new
    user_end_sessions(user=user)
    audit_record(
        action=AuditAction.EMAIL_CHANGED, actor=actor, subject=user, request=request, old_value=old, new_value=new
    )
    return old


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str,
    role: str,
    password: str | None,
    firm: Firm | None = None,
    client_company: ClientCompany | None = None,
    support_level: int | None = None,
) -> User:
    """Create a user with a verified email address; `password=None` makes it unusable."""
    email = email.strip().lower()
    if client_company is not None and firm is not None and client_company.firm_id != firm.pk:
        raise ServiceError(_("The client company belongs to another firm."))
    if client_company is not None and firm is None:
        firm = client_company.firm
    if role != Role.SUPPORT_AGENT and role not in TYPE_OF_ROLE:
        raise ServiceError(_("Unknown role %(role)r.") % {"role": role})
    user = User(
        email=email,
        full_name=full_name,
        role=role,
        firm=firm,
        client_company=client_company,
        support_level=support_level,
    )
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user
