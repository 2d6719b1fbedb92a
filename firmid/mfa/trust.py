"""Trusted browsers: not asked for a second factor again on this browser for the firm's N days.

firmid keeps its own rows rather than allauth's MFA_TRUST (a signed cookie checked against a
fingerprint of the user's factors): a user lists and revokes their browsers in My account,
support's reset and a password change end them, and a firm lowering N shortens them at once,
all of which need server state. The browser holds a 256-bit random token; only its SHA-256
is stored, bound to one user.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from allauth.mfa.models import Authenticator
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from firmid.accounts.signals import sessions_ended
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core import clock
from firmid.core.errors import NotFound
from firmid.mfa import notifications
from firmid.mfa.levels.selectors import user_mfa_options
from firmid.mfa.models import TrustedBrowser

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.http import HttpRequest

    from firmid.accounts.models import User

# The authentication record of a sign-in whose second factor a trusted browser stood for.
# Its own method, so that nothing reading "mfa" records takes it for a factor in hand
# (re-authentication for sensitive changes never counts it: firmid.signin.reauth).
TRUSTED_BROWSER_METHOD = "trusted_browser"
TOKEN_BYTES = 32  # 256 bits from the CSPRNG


@dataclass(frozen=True)
class TrustedBrowserRow:
    """One trusted browser as My account lists it."""

    pk: int
    label: str
    trusted_on: datetime
    last_used: datetime | None
    expires: datetime

    @property
    def shown_label(self) -> str:
        """The label in the active language ("Firefox sous Windows")."""
        return shown_browser_label(self.label)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def trust_days(*, user: User) -> int:
    """The days a browser of `user` may be trusted now: 0 (never) for support agents."""
    if user.is_support_agent:
        return 0
    return user_mfa_options(user=user).trust_browser_days


def _honoured_until(row: TrustedBrowser, days: int) -> datetime:
    # A firm that lowers N shortens every trust already given: the current N counts.
    return min(row.expires_at, row.created_at + timedelta(days=days))


def trusted_browser_create(*, user: User, user_agent: str, request: HttpRequest | None = None) -> str | None:
    """Trust this browser for the firm's N days: store the token's hash with its audit row; return the token."""
    days = trust_days(user=user)
    if days <= 0:
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = clock.now()
    label = browser_label(user_agent)
    with transaction.atomic():
        TrustedBrowser.objects.filter(user=user, expires_at__lte=now).delete()  # the user's dead rows go
        TrustedBrowser.objects.create(
            user=user, token_hash=token_hash(token), label=label, created_at=now, expires_at=now + timedelta(days=days)
        )
        audit_record(
            action=AuditAction.MFA_BROWSER_TRUSTED,
            actor=user,
            subject=user,
            request=request,
            detail=f"{label} for {days} day(s)",
        )
        transaction.on_commit(lambda: notifications.browser_trusted(user=user, label=_shown_lazily(label), days=days))
    return token


def trusted_browser_honoured(*, user: User, tokens: Iterable[str]) -> TrustedBrowser | None:
    """The browser row of `user` one of `tokens` names, if it is honoured now (its last use is noted)."""
    hashes = [token_hash(t) for t in tokens if t]
    if not hashes:
        return None  # no cookie, the usual case: nothing to read
    days = trust_days(user=user)
    if days <= 0:
        return None
    now = clock.now()
    for row in TrustedBrowser.objects.filter(user=user, token_hash__in=hashes):
        if _honoured_until(row, days) > now:
            TrustedBrowser.objects.filter(pk=row.pk).update(last_used_at=now)
            return row
    return None


def trusted_browser_current(*, user: User, browser_id: object) -> bool:
    """Is the trusted browser a sign-in recorded still there, still honoured?"""
    days = trust_days(user=user)
    row = TrustedBrowser.objects.filter(user=user, pk=browser_id).first() if days > 0 else None
    return row is not None and _honoured_until(row, days) > clock.now()


def user_trusted_browsers(*, user: User) -> list[TrustedBrowserRow]:
    """The browsers `user` trusts now, newest first, as My account lists them."""
    days = trust_days(user=user)
    if days <= 0:
        return []
    now = clock.now()
    rows = (
        TrustedBrowserRow(r.pk, r.label, r.created_at, r.last_used_at, _honoured_until(r, days))
        for r in TrustedBrowser.objects.filter(user=user).order_by("-created_at", "-pk")
    )
    return [row for row in rows if row.expires > now]


def trusted_browser_revoke(*, user: User, browser_id: object, request: HttpRequest | None = None) -> None:
    """Stop trusting one browser of `user` (from My account), with its audit row."""
    with transaction.atomic():
        row = TrustedBrowser.objects.filter(user=user, pk=browser_id).first()
        if row is None:
            raise NotFound(_("This browser is not trusted any more."))
        row.delete()
        audit_record(
            action=AuditAction.MFA_TRUSTED_BROWSER_REVOKED, actor=user, subject=user, request=request, detail=row.label
        )


def trusted_browsers_revoke_all(*, user: User, request: HttpRequest | None = None) -> int:
    """Stop trusting every browser of `user` (from My account), with one audit row; return how many."""
    with transaction.atomic():
        count = TrustedBrowser.objects.filter(user=user).delete()[0]
        audit_record(
            action=AuditAction.MFA_TRUSTED_BROWSER_REVOKED,
            actor=user,
            subject=user,
            request=request,
            detail=f"all ({count})",
        )
    return count


def trusted_browsers_clear(*, user_id: object) -> int:
    """Forget every trusted browser of a user: called in the transaction of a reset or change."""
    return TrustedBrowser.objects.filter(user_id=user_id).delete()[0]


# Pure: a short label from a User-Agent ("Chrome on Linux"). Order matters: Edge and Opera
# also say "Chrome", Chrome also says "Safari", Android also says "Linux", iOS "Mac OS X".
_BROWSERS = (
    ("Edg/", "Edge"),
    ("Edge/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def browser_label(user_agent: str) -> str:
    """Name a browser from its User-Agent, short: "Firefox on Windows", "Unknown browser"."""
    user_agent = (user_agent or "")[:512]
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    return "Unknown browser"


def shown_browser_label(stored: str) -> str:
    """A stored label (English, as the audit rows have it) in the active language."""
    browser, on, system = stored.partition(" on ")
    if stored == "Unknown browser":
        return _("Unknown browser")
    if on and browser == "A browser":
        return _("A browser on %(system)s") % {"system": system}
    if on:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return stored


# Evaluated as the email is written: in the recipient's language.
_shown_lazily = lazy(shown_browser_label, str)


# Receivers: any reset, password or address change, disable, or factor change ends every trust,
# in the transaction of the change (model signals and accounts' sessions_ended both run in it).


def _on_sessions_ended(sender: Any, user: Any, **kwargs: Any) -> None:
    trusted_browsers_clear(user_id=user.pk)


def _on_factor_saved(sender: Any, instance: Authenticator, created: bool = False, **kwargs: Any) -> None:
    if created:  # a use (last_used_at, a recovery code spent) is not a change
        trusted_browsers_clear(user_id=instance.user_id)


def _on_factor_deleted(sender: Any, instance: Authenticator, **kwargs: Any) -> None:
    trusted_browsers_clear(user_id=instance.user_id)


def connect() -> None:
    sessions_ended.connect(_on_sessions_ended, dispatch_uid="firmid_mfa_trust_sessions_ended")
    post_save.connect(_on_factor_saved, sender=Authenticator, dispatch_uid="firmid_mfa_trust_factor_saved")
    post_delete.connect(_on_factor_deleted, sender=Authenticator, dispatch_uid="firmid_mfa_trust_factor_deleted")
