"""allauth's account adapter as the sign-in runs it: firmid's login stages and the session's clock.

accounts' adapter holds what accounts owns (addresses, passwords, attempt counting); the
stages and the session's timestamps are sign-in policy, so they are added here, one layer
up, and `ACCOUNT_ADAPTER` names this class.
"""

from __future__ import annotations

from django.http import HttpRequest

from firmid.accounts.adapter import AccountAdapter
from firmid.core import clock

# When the user signed in (the absolute session lifetime, the ID token's auth_time).
SIGNED_IN_AT = "firmid_signed_in_at"
# When the session's idle expiry last moved forward (SessionPolicyMiddleware).
ACTIVE_AT = "firmid_active_at"


class SignInAdapter(AccountAdapter):
    """firmid's sign-in steps and session stamps on top of the account hooks."""

    def get_login_stages(self) -> list[str]:
        return [
            "firmid.signin.stages.FirstFactorStage",
            *super().get_login_stages(),
            "firmid.signin.stages.EnrolmentStage",
            # Always last: the sign-in completes only if the policy is met at that moment.
            "firmid.signin.stages.CompletionStage",
        ]

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request.user, "is_support_agent", False):
            return "/administration/"
        return super().get_login_redirect_url(request)

    def login(self, request: HttpRequest, user) -> None:  # noqa: ANN001
        super().login(request, user)
        request.session[SIGNED_IN_AT] = clock.timestamp()
        request.session[ACTIVE_AT] = int(request.session[SIGNED_IN_AT])
