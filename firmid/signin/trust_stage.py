"""Trusted browsers in the sign-in: honoured before the code page, offered after a second factor.

`TrustedBrowserStage` runs before allauth's MFA stage (firmid.signin.adapter): when this
browser's cookie names a trust of this very user that the firm's current N still honours,
it records the sign-in's second factor as "trusted_browser" and marks allauth's stage done,
so no code is asked. `TrustOfferStage` runs after the set-up stage: when a factor was
used (or set up) in this sign-in and the firm's N > 0, it asks "Don't ask again on this
browser for N days?" on a page of its own. One page after whichever step gave the second
factor (code, passkey, recovery code, set-up), set on firmid's own response: no change to
each factor's page, and the offer says what it means before the user agrees.

The cookie: a random token per trust (up to five users per browser), HttpOnly, SameSite=Lax,
path /, Max-Age N days; named `__Host-firmid_trusted_browser` and Secure when the request
came over HTTPS, `firmid_trusted_browser` over plain HTTP (local development, the test
server: browsers refuse a __Host- cookie that is not Secure).
"""

from __future__ import annotations

import re

from allauth.account.models import Login
from allauth.account.stages import LoginStage
from allauth.mfa.stages import AuthenticateStage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator

from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core.seams.allauth import (
    get_authentication_records,
    headed_redirect_response,
    login_stage_required,
    record_authentication,
)
from firmid.mfa.factors.recovery_codes.factor import RECOVERY_CODES
from firmid.mfa.selectors import user_mfa_decision
from firmid.mfa.trust import TRUSTED_BROWSER_METHOD, trust_days, trusted_browser_create, trusted_browser_honoured
from firmid.signin.pending import PendingSignInPage
from firmid.signin.stages import factor_used_in_sign_in

COOKIE = "firmid_trusted_browser"
SECURE_COOKIE = f"__Host-{COOKIE}"
MAX_TOKENS = 5
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def cookie_name(request: HttpRequest) -> str:
    return SECURE_COOKIE if request.is_secure() else COOKIE


def cookie_tokens(request: HttpRequest) -> list[str]:
    """The trust tokens this browser holds (malformed ones ignored)."""
    value = request.COOKIES.get(cookie_name(request), "")
    return [token for token in value.split(".") if _TOKEN.fullmatch(token)][:MAX_TOKENS]


def set_trust_cookie(request: HttpRequest, response: HttpResponse, *, token: str, days: int) -> None:
    """Add `token` to this browser's trust cookie, newest first; the oldest beyond five fall off."""
    tokens = [token, *(t for t in cookie_tokens(request) if t != token)][:MAX_TOKENS]
    response.set_cookie(
        cookie_name(request),
        ".".join(tokens),
        max_age=days * 86400,
        path="/",
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


class TrustedBrowserStage(LoginStage):
    """Before allauth's code page: a browser this user trusts stands for the second factor."""

    key = "firmid_trusted_browser"

    def handle(self) -> tuple:
        user = self.login.user
        tokens = cookie_tokens(self.request)
        if user is None or not tokens or not _password_given(self.request, user):
            return None, True  # no trust cookie, the usual case: nothing to read
        if not user_mfa_decision(user=user).asks_for_code:
            return None, True  # nothing to skip (or a factor no longer allowed: it must be shown)
        row = trusted_browser_honoured(user=user, tokens=tokens)
        if row is None:
            return None, True
        record_authentication(self.request, user, TRUSTED_BROWSER_METHOD, type=TRUSTED_BROWSER_METHOD, browser=row.pk)
        audit_record(
            action=AuditAction.MFA_BROWSER_TRUSTED,
            actor=user,
            subject=user,
            request=self.request,
            factor_type=TRUSTED_BROWSER_METHOD,
            detail=f"used at sign-in instead of a second factor: {row.label}",
        )
        self.controller.set_handled(AuthenticateStage.key)
        return None, True


def _password_given(request: HttpRequest, user) -> bool:  # noqa: ANN001
    return any(r.get("method") == "password" for r in get_authentication_records(request, user))


class TrustOfferStage(LoginStage):
    """After a second factor given in this sign-in: offer not to ask again on this browser."""

    key = "firmid_trust_offer"
    urlname = "firmid_trust_browser"

    def handle(self) -> tuple:
        if offers_trust(self.request, self.login):
            return headed_redirect_response(self.urlname), True
        return None, True


def offers_trust(request: HttpRequest, login: Login) -> bool:
    """A factor was used after this sign-in's password, and the firm's N allows trusting (never agents)."""
    user = login.user
    return (
        user is not None
        and trust_days(user=user) > 0
        and _password_given(request, user)
        and factor_used_in_sign_in(request, login)
        and not _recovered(request, user)
    )


def _recovered(request: HttpRequest, user) -> bool:  # noqa: ANN001
    # A recovery code means the usual factor is not at hand: no moment to stop asking for it.
    records = get_authentication_records(request, user)
    return any(r.get("method") == "mfa" and r.get("type") == RECOVERY_CODES.kind for r in records)


@method_decorator(login_stage_required(stage=TrustOfferStage.key, redirect_urlname="account_login"), name="dispatch")
class TrustBrowserView(PendingSignInPage):
    """Don't ask again on this browser for N days? Trust it, or Not now."""

    template_name = "firmid/signin/trust_browser.html"

    def dispatch_pending(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        self.days = trust_days(user=self.user)
        if self.days <= 0:
            return self.stage.exit()  # the firm turned it off meanwhile
        return super().dispatch_pending(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"days": self.days})

    def post(self, request: HttpRequest) -> HttpResponse:
        if "trust" not in request.POST:
            return self.stage.exit()
        agent = request.headers.get("User-Agent", "")
        token = trusted_browser_create(user=self.user, user_agent=agent, request=request)
        response = self.stage.exit()
        if token:
            set_trust_cookie(request, response, token=token, days=self.days)
        return response
