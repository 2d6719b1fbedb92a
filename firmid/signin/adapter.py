"""allauth's account adapter as the sign-in runs it: firmid's login stages and the session's clock.

accounts' adapter holds what accounts owns (addresses, passwords, attempt counting); the
stages and the session's timestamps are sign-in policy, so they are added here, one layer
up, and `ACCOUNT_ADAPTER` names this class.
"""

from __future__ import annotations

from allauth.core import context
from django.http import HttpRequest

from firmid.accounts.adapter import AccountAdapter
from firmid.core import clock
from firmid.signin.reauth import recently_proven

# When the user signed in (the absolute session lifetime, the ID token's auth_time).
SIGNED_IN_AT = "firmid_signed_in_at"
# When the session's idle expiry last moved forward (SessionPolicyMiddleware).
ACTIVE_AT = "firmid_active_at"


class SignInAdapter(AccountAdapter):
    """firmid's sign-in steps and session stamps on top of the account hooks."""

    def get_login_stages(self) -> list[str]:
        return [
            "firmid.signin.stages.FirstFactorStage",
            # Before allauth's code page: a browser the user trusts stands for the code.
            "firmid.signin.trust_stage.TrustedBrowserStage",
            *super().get_login_stages(),
            # Before any set-up: the mailbox proven (set-up link, or emailed code) when required.
            "firmid.signin.mailbox_stage.MailboxStage",
            "firmid.signin.stages.EnrolmentStage",
            # A first factor just set up: its recovery codes, shown once.
            "firmid.signin.recovery_stage.RecoveryCodesStage",
            # After a second factor (code or set-up): offer to trust this browser.
            "firmid.signin.trust_stage.TrustOfferStage",
            # Always last: the sign-in completes only if the policy is met at that moment.
            "firmid.signin.stages.CompletionStage",
        ]

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:  # noqa: ANN003
        # A factor (or, without one, the password) given in the sign-in minutes ago is recent
        # proof: no second prompt seconds after signing in (firmid/signin/reauth.py).
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = context.request
        return request is None or not recently_proven(request)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request.user, "is_support_agent", False):
            return "/administration/"
        return super().get_login_redirect_url(request)

    def login(self, request: HttpRequest, user) -> None:  # noqa: ANN001
        super().login(request, user)
        request.session[SIGNED_IN_AT] = clock.timestamp()
        request.session[ACTIVE_AT] = int(request.session[SIGNED_IN_AT])
