from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from firmid.core import clock

SIGNED_IN_AT = "firmid_signed_in_at"
# When the session's idle expiry last moved forward (SessionPolicyMiddleware).
ACTIVE_AT = "firmid_active_at"


class AccountAdapter(DefaultAccountAdapter):
    """firmid's hooks into allauth's account flows."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Users are provisioned by their firm and by support, never by self-service.
        return False

    def get_login_stages(self) -> list[str]:
        return [
            "firmid.accounts.stages.FirstFactorStage",
            *super().get_login_stages(),
            "firmid.accounts.stages.EnrolmentStage",
        ]

    def get_reauthentication_methods(self, user) -> list[dict]:  # noqa: ANN001
        # With a second factor, sensitive changes are confirmed with it (ASVS 7.5.1).
        methods = super().get_reauthentication_methods(user)
        with_mfa = [m for m in methods if m["id"] == "mfa_reauthenticate"]
        return with_mfa or methods

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request.user, "is_support_agent", False):
            return "/administration/"
        return super().get_login_redirect_url(request)

    def login(self, request: HttpRequest, user) -> None:  # noqa: ANN001
        super().login(request, user)
        request.session[SIGNED_IN_AT] = clock.timestamp()
        request.session[ACTIVE_AT] = int(request.session[SIGNED_IN_AT])
