"""Proving the mailbox before a set-up: support's single-use set-up link, or an emailed code.

Someone who holds only the password must not quietly own the account's MFA (enrolment
takeover, docs/security.md). Two proofs, each a MailboxProof row (only a hash of its
secret is stored), marked in the browser's session once given:

- A set-up link, sent by support with a reset. From the reset until the next set-up, only
  that link proves the mailbox, opened or not, expired or not: an expired link means asking
  support again, never a fallback to the weaker code. It works once.
- A code, when the firm requires one before any first set-up (no factor set up yet): 6
  digits, 10 minutes, once, 5 attempts, a few sends an hour.

A factor set up deletes the user's proofs: the next set-up needs none, unless a firm rule
or a new reset asks again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from firmid.accounts.models import User
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core import clock
from firmid.core.app_settings import core_settings
from firmid.core.errors import NotFound, ServiceError
from firmid.mfa import notifications
from firmid.mfa.app_settings import mfa_settings
from firmid.mfa.levels.selectors import user_mfa_options
from firmid.mfa.models import MailboxProof

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase
    from django.http import HttpRequest

Kind = MailboxProof.Kind

# The session's mark: {"user": public id, "kind": proof kind, "proof": MailboxProof id}.
PROVEN = "firmid_mailbox_proven"
CODE_DIGITS = 6
MAX_CODE_ATTEMPTS = 5
_CODE = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")


class Gone(ServiceError):
    """A link or code that was valid once: expired, used, or out of attempts."""

    status = 410
    code = "gone"


class TooManyCodes(ServiceError):
    status = 429
    code = "throttled"


def required_proof(*, user: User) -> str | None:
    """Which proof of the mailbox a set-up by `user` needs now (a Kind value), or None."""
    if MailboxProof.objects.filter(user=user, kind=Kind.SETUP_LINK).exists():
        return Kind.SETUP_LINK
    if user_mfa_options(user=user).email_code_before_enrolment and not _ever_set_up(user):
        return Kind.EMAIL_CODE
    return None


def _ever_set_up(user: User) -> bool:
    return Authenticator.objects.filter(user=user).exists()


def session_proves(*, session: SessionBase, user: User) -> bool:
    """Does this browser's session hold the proof a set-up by `user` needs now?"""
    required = required_proof(user=user)
    if required is None:
        return True
    mark = session.get(PROVEN) or {}
    if mark.get("user") != str(user.public_id):
        return False
    if required == Kind.SETUP_LINK:
        # Only the link of the last reset: a newer reset deletes the older link, and its mark is void.
        return mark.get("kind") == Kind.SETUP_LINK and _exists(user, mark.get("proof"), Kind.SETUP_LINK)
    return _exists(user, mark.get("proof"), mark.get("kind"))


def _exists(user: User, proof_id: object, kind: object) -> bool:
    return isinstance(proof_id, int) and MailboxProof.objects.filter(user=user, pk=proof_id, kind=kind).exists()


def _mark(session: SessionBase, proof: MailboxProof) -> None:
    session[PROVEN] = {"user": str(proof.user.public_id), "kind": proof.kind, "proof": proof.pk}


def mailbox_proofs_clear(*, user_id: object) -> int:
    """Forget a user's links and codes: at a reset (before a new link), and once a factor is set up."""
    return MailboxProof.objects.filter(user_id=user_id).delete()[0]


# --- support's set-up link ---------------------------------------------------------------


def setup_link_issue(*, user: User, actor: User | None, request: HttpRequest | None = None) -> str:
    """Create a single-use set-up link for `user` and email it once committed; return its URL.

    Call it inside the reset's transaction, after mailbox_proofs_clear: the link, its audit
    row and the reset are one change.
    """
    token = secrets.token_urlsafe(32)
    hours = mfa_settings.MFA_SETUP_LINK_HOURS
    now = clock.now()
    MailboxProof.objects.create(
        user=user,
        kind=Kind.SETUP_LINK,
        secret_hash=_sha256(token),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
        created_by=actor,
    )
    audit_record(
        action=AuditAction.MFA_SETUP_LINK_SENT, actor=actor, subject=user, request=request, detail=f"{hours} h"
    )
    url = core_settings.ISSUER.rstrip("/") + reverse("firmid_setup_link", kwargs={"token": token})
    transaction.on_commit(lambda: notifications.setup_link(user=user, url=url, hours=hours))
    return url


def latest_setup_link(*, user: User) -> MailboxProof | None:
    """The set-up link support sent `user` with their last reset, if a set-up still needs it."""
    return MailboxProof.objects.filter(user=user, kind=Kind.SETUP_LINK).order_by("-created_at", "-pk").first()


def setup_link_proof(*, token: str) -> MailboxProof:
    """The link a token names, if it may still be used; refused with what to do otherwise."""
    proof = MailboxProof.objects.filter(kind=Kind.SETUP_LINK, secret_hash=_sha256(token)).select_related("user").first()
    if proof is None:
        raise NotFound(
            _(
                "This set-up link is not valid: a newer one may have replaced it. Ask your firm's support for a new link."
            )
        )
    if proof.used_at is not None:
        raise Gone(_("This set-up link was already used: it works once. Ask your firm's support for a new link."))
    if proof.expires_at <= clock.now():
        raise Gone(_("This set-up link has expired. Ask your firm's support to send you a new one."))
    return proof


def setup_link_spend(*, token: str, session: SessionBase, request: HttpRequest | None = None) -> User:
    """Spend a set-up link (once, whoever races) and mark this session's mailbox as proven; return its user."""
    proof = setup_link_proof(token=token)
    now = clock.now()
    with transaction.atomic():
        spent = MailboxProof.objects.filter(pk=proof.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
        if not spent:
            raise Gone(_("This set-up link was already used: it works once. Ask your firm's support for a new link."))
        _proven(proof, request, detail="set-up link")
    _mark(session, proof)
    return proof.user


# --- the code before a first set-up --------------------------------------------------------


def email_code_send(*, user: User, request: HttpRequest | None = None) -> None:
    """Email `user` a new code (the older ones stop working), at most a few an hour."""
    now = clock.now()
    seconds = mfa_settings.MFA_EMAIL_CODE_SECONDS
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one sender at a time per user
        recent = MailboxProof.objects.filter(user=user, kind=Kind.EMAIL_CODE, created_at__gt=now - timedelta(hours=1))
        if recent.count() >= mfa_settings.MFA_EMAIL_CODES_PER_HOUR:
            raise TooManyCodes(_("Too many codes were sent to your address in the last hour. Try again later."))
        MailboxProof.objects.create(
            user=user,
            kind=Kind.EMAIL_CODE,
            secret_hash=_code_hash(user, code),
            created_at=now,
            expires_at=now + timedelta(seconds=seconds),
        )
        minutes = max(1, seconds // 60)
        transaction.on_commit(lambda: notifications.email_code(user=user, code=code, minutes=minutes))


def email_code_check(*, user: User, raw_code: str, session: SessionBase, request: HttpRequest | None = None) -> None:
    """Check a typed code against the last one sent; once right, mark the session. Refusals say what to do."""
    code = (raw_code or "").strip()
    if not _CODE.fullmatch(code):
        raise ServiceError(_("Enter the %(digits)d-digit code from the email.") % {"digits": CODE_DIGITS})
    proof = MailboxProof.objects.filter(user=user, kind=Kind.EMAIL_CODE).order_by("-created_at", "-pk").first()
    if proof is None or proof.used_at is not None:
        raise Gone(_("No code is waiting: send a new one."))
    if proof.expires_at <= clock.now():
        raise Gone(_("This code has expired: send a new one."))
    # An attempt is taken before the code is compared, by a conditional UPDATE: parallel
    # guesses cannot exceed the limit. Each statement commits on its own: a wrong code stays counted.
    taken = MailboxProof.objects.filter(pk=proof.pk, used_at__isnull=True, attempts__lt=MAX_CODE_ATTEMPTS).update(
        attempts=F("attempts") + 1
    )
    if not taken:
        raise Gone(_("Too many wrong codes: send a new one."))
    if not hmac.compare_digest(proof.secret_hash, _code_hash(user, code)):
        left = MAX_CODE_ATTEMPTS - proof.attempts - 1
        raise ServiceError(
            ngettext(
                "This code is not right. %(count)d attempt left.",
                "This code is not right. %(count)d attempts left.",
                left,
            )
            % {"count": left}
            if left
            else _("This code is not right.")
        )
    with transaction.atomic():
        if not MailboxProof.objects.filter(pk=proof.pk, used_at__isnull=True).update(used_at=clock.now()):
            raise Gone(_("This code was already used: send a new one."))
        _proven(proof, request, detail="code sent by email")
    _mark(session, proof)


def _proven(proof: MailboxProof, request: HttpRequest | None, *, detail: str) -> None:
    audit_record(
        action=AuditAction.MFA_MAILBOX_PROVEN, actor=proof.user, subject=proof.user, request=request, detail=detail
    )


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _code_hash(user: User, code: str) -> str:
    # Keyed (SECRET_KEY) and bound to the user: a leaked table does not give 6-digit codes away.
    return salted_hmac("firmid.mfa.mailbox.email_code", f"{user.pk}:{code}", algorithm="sha256").hexdigest()


def _on_factor_saved(sender: Any, instance: Authenticator, created: bool = False, **kwargs: Any) -> None:
    if created:  # set up: the proof has done its work
        mailbox_proofs_clear(user_id=instance.user_id)


def connect() -> None:
    post_save.connect(_on_factor_saved, sender=Authenticator, dispatch_uid="firmid_mfa_mailbox_factor_saved")


# The page a set-up sends a user to when it needs their mailbox proven (firmid/signin/mailbox_stage.py).
CONFIRM_URLNAME = "firmid_mailbox_confirm"
View = Callable[..., HttpResponse]


def mailbox_proven_required(view: View) -> View:
    """Send a signed-in user to confirm their address first, when a set-up by them requires it."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not session_proves(session=request.session, user=user):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse(CONFIRM_URLNAME)}?{query}")
        return view(request, *args, **kwargs)

    return guarded
