"""Policy on every request of a signed-in user: session lifetimes and MFA level changes."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from firmid.core import clock
from firmid.mfa.selectors import user_mfa_decision
from firmid.signin.adapter import ACTIVE_AT, SIGNED_IN_AT
from firmid.signin.app_settings import signin_settings
from firmid.signin.federation import signed_in_through_sso


def _keep_alive(request: HttpRequest) -> None:
    """Move the idle expiry forward, with one session write a minute at most."""
    now = int(clock.timestamp())
    if now - request.session.get(ACTIVE_AT, 0) >= signin_settings.SESSION_REFRESH_SECONDS:
        request.session[ACTIVE_AT] = now


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            reason = self._reason_to_end(request)
            if reason:
                logout(request)
                if request.path.startswith("/oauth/"):
                    # The provider answers a signed-out user itself, as OIDC says
                    # (login_required for prompt=none, the sign-in page otherwise).
                    return self.get_response(request)
                return self._ended(request, reason)
            _keep_alive(request)
        return self.get_response(request)

    @staticmethod
    def _ended(request: HttpRequest, reason: str) -> HttpResponse:
        # API callers get the API's own error shape, not the sign-in page.
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": reason, "code": "not_authenticated"}, status=401)
        messages.info(request, reason)
        return redirect_to_login(request.get_full_path())

    def _reason_to_end(self, request: HttpRequest) -> str | None:
        signed_in_at = request.session.get(SIGNED_IN_AT, 0)
        if clock.timestamp() - signed_in_at > signin_settings.SESSION_ABSOLUTE_SECONDS:
            return _("Your session has ended. Please sign in again.")
        # A level saved since sign-in applies at the user's very next step.
        decision = user_mfa_decision(user=request.user)
        if decision.managed_by_sso and not signed_in_through_sso(request):
            return _("Your firm now signs you in through its own identity provider.")
        if not decision.blocks_session:
            return None
        if request.user.is_support_agent:  # agents' MFA is the platform's rule, not a firm's
            return _("Multi-factor authentication is required for support staff: sign in again to set it up.")
        return _("Your firm now requires multi-factor authentication: sign in again to set it up.")
