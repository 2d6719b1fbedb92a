"""The provider's endpoints: DOT's views, with firmid's policy at the application door."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from oauth2_provider import views as dot_views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_application_model

from firmid.core import clock
from firmid.mfa.selectors import user_mfa_decision
from firmid.oidc.context import ACR_MFA, ACR_VALUES, session_auth_context
from firmid.oidc.selectors import application_admits
from firmid.policy import Action


def _without(url: str, *params: str) -> str:
    parts = urlparse(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunparse(parts._replace(query=urlencode(query)))


def _max_age(request: HttpRequest) -> int | None:
    raw = request.GET.get("max_age", "")
    return int(raw) if raw.isascii() and raw.isdigit() else None


class AuthorizationView(dot_views.AuthorizationView):
    """DOT's authorization endpoint behind the MFA policy: no code until the policy is met.

    Every registered application is a first-party one (skip_authorization), so there is
    no consent form and nothing to POST: the GET is the whole decision.
    """

    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        try:
            _, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError:
            return super().get(request, *args, **kwargs)  # DOT renders or redirects the error
        prompt = set(request.GET.get("prompt", "").split())
        if "login" not in prompt and self._too_old(request):
            return self._sign_in_again("max_age")
        if "login" not in prompt:
            refusal = self._refusal(request, credentials)
            if refusal:
                return refusal
        return super().get(request, *args, **kwargs)

    def handle_prompt_login(self) -> HttpResponse:
        return self._sign_in_again("prompt")

    def _sign_in_again(self, consumed: str) -> HttpResponse:
        # The user must really authenticate again: allauth would otherwise send a
        # signed-in user straight back here.
        logout(self.request)
        next_url = _without(self.request.get_full_path(), consumed, "max_age")
        return redirect_to_login(next_url, reverse("account_login"))

    def _too_old(self, request: HttpRequest) -> bool:
        max_age = _max_age(request)
        if max_age is None:
            return False
        return clock.timestamp() - session_auth_context(request)["auth_time"] > max_age

    def _refusal(self, request: HttpRequest, credentials: dict) -> HttpResponse | None:
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        if not application_admits(application=application, user=request.user):
            return self._error(credentials, "access_denied", "This application is not open to your account.")
        if user_mfa_decision(user=request.user).action is Action.ENROLL_REQUIRED:
            logout(request)
            return redirect_to_login(request.get_full_path(), reverse("account_login"))
        if self._needs_mfa(request, application) and session_auth_context(request)["acr"] != ACR_MFA:
            if "none" in set(request.GET.get("prompt", "").split()):
                return self._error(credentials, "interaction_required", "This application requires MFA.")
            return self._step_up(request)
        return None

    @staticmethod
    def _needs_mfa(request: HttpRequest, application) -> bool:  # noqa: ANN001
        profile = getattr(application, "firmid_profile", None)
        return bool(profile and profile.require_mfa) or ACR_MFA in request.GET.get("acr_values", "").split()

    @staticmethod
    def _step_up(request: HttpRequest) -> HttpResponse:
        """Take the user through their second factor (or its set-up), then back here."""
        has_factor = user_mfa_decision(user=request.user).action is Action.VERIFY
        target = "mfa_reauthenticate" if has_factor else "firmid_mfa_step_up"
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")

    def _error(self, credentials: dict, error: str, description: str) -> HttpResponse:
        params = {"error": error, "error_description": description}
        if credentials.get("state"):
            params["state"] = credentials["state"]
        params["iss"] = self._issuer()
        separator = "&" if "?" in credentials["redirect_uri"] else "?"
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        return self.redirect(f"{credentials['redirect_uri']}{separator}{urlencode(params)}", application)

    def _issuer(self) -> str:
        from oauth2_provider.settings import oauth2_settings

        return oauth2_settings.oidc_issuer(self.request)

    def create_authorization_response(self, request, scopes, credentials, allow):  # noqa: ANN001, ANN201
        # oauthlib copies credentials onto its request: the validator stores this on the code.
        credentials = {**credentials, "firmid_auth_context": session_auth_context(request)}
        return super().create_authorization_response(request, scopes, credentials, allow)


class DiscoveryView(dot_views.ConnectDiscoveryInfoView):
    """DOT's discovery document, plus what firmid adds: acr values and its claims."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        import json

        response = super().get(request, *args, **kwargs)
        document = json.loads(response.content)
        document["acr_values_supported"] = ACR_VALUES
        document["claims_supported"] = sorted(
            {*document.get("claims_supported", []), "auth_time", "amr", "acr", "firm", "user_type", "role"}
        )
        document["grant_types_supported"] = ["authorization_code", "refresh_token"]
        document["response_types_supported"] = ["code"]
        document["code_challenge_methods_supported"] = ["S256"]
        document["claims_parameter_supported"] = False
        response.content = json.dumps(document)
        return response
