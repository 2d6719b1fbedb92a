"""The provider's endpoints: DOT's views, with firmid's policy at the application door."""

from __future__ import annotations

import base64
import hashlib
import json

import re
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlparse, urlunparse

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as dot_views
from oauth2_provider.exceptions import InvalidOIDCClientError, OAuthToolkitError
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.settings import oauth2_settings

from firmid.core import clock
from firmid.mfa.selectors import user_mfa_decision
from firmid.oidc.context import ACR_MFA, ACR_VALUES, session_auth_context
from firmid.oidc.hints import hinted_subject
from firmid.oidc.selectors import application_admits
from firmid.oidc.validators import FirmidValidator
from firmid.policy import Action


def _without(url: str, *params: str) -> str:
    parts = urlparse(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunparse(parts._replace(query=urlencode(query)))


def _with_iss(url: str, issuer: str) -> str:
    without = urlparse(_without(url, "iss"))
    return urlunparse(without._replace(query="&".join(filter(None, [without.query, urlencode({"iss": issuer})]))))


def _max_age(request: HttpRequest) -> int | None:
    raw = request.GET.get("max_age", "")
    # At most 12 digits (30,000 years): int() of thousands of digits raises, a 500.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None


PROMPTS = {"none", "login", "consent", "select_account"}
# RFC 7636 4.2: BASE64URL(SHA256(verifier)) is 43 characters of [A-Za-z0-9-_]; the grant keeps 128.
CODE_CHALLENGE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
NONCE_MAX = 255  # the grant's nonce column: longer would fail to save (a 500 on PostgreSQL)
QUERY_MAX = 8192  # bytes of an authorization request: longer is 414, as most servers answer anyway


def _malformed(request: HttpRequest) -> tuple[str, str] | None:
    """The error (and its description) of a request that oauthlib lets through but firmid must not."""
    if "request" in request.GET:
        return "request_not_supported", "Request objects are not supported."  # OIDC Core 6.1
    if "request_uri" in request.GET:
        return "request_uri_not_supported", "request_uri is not supported."
    if not CODE_CHALLENGE.fullmatch(request.GET.get("code_challenge", "")):
        return "invalid_request", "code_challenge must be a BASE64URL S256 challenge (RFC 7636 4.2)."
    if len(request.GET.get("nonce", "")) > NONCE_MAX:
        return "invalid_request", f"nonce may have at most {NONCE_MAX} characters."
    duplicated = sorted(k for k, values in request.GET.lists() if len(values) > 1)
    if duplicated:  # RFC 6749 3.1: parameters MUST NOT be included more than once
        return "invalid_request", f"Repeated parameter: {duplicated[0][:40]}."
    if "max_age" in request.GET and _max_age(request) is None:
        return "invalid_request", "max_age must be a number of seconds."
    if not set(request.GET.get("prompt", "").split()) <= PROMPTS:
        return "invalid_request", "Unsupported prompt value."
    return None


@method_decorator(csrf_exempt, name="dispatch")
class AuthorizationView(dot_views.AuthorizationView):
    """DOT's authorization endpoint behind the MFA policy: no code until the policy is met.

    Every registered application is a first-party one (skip_authorization), so there is
    no consent form: the GET is the whole decision. An authorization request sent by POST
    (OIDC Core 3.1.2.1: the endpoint MUST accept both) is answered as the same request by
    GET (303), so that sign-in and step-up can come back to it like to any other.
    """

    http_method_names = ["get", "post"]
    _validated: tuple | None = None  # this request's validation, run once (a view serves one request)

    def validate_authorization_request(self, request: HttpRequest) -> tuple:
        # DOT's get() validates again what firmid's get() just validated: reuse the result
        # (an error is raised anew each time, as nothing is kept of it).
        if self._validated is None:
            self._validated = super().validate_authorization_request(request)
        scopes, credentials = self._validated
        return list(scopes), dict(credentials)

    def _application(self, credentials: dict):  # noqa: ANN202
        """The application oauthlib loaded while validating the request (else read again)."""
        client = getattr(credentials.get("request"), "client", None)
        if isinstance(client, get_application_model()) and client.client_id == credentials["client_id"]:
            return client
        return get_application_model().objects.get(client_id=credentials["client_id"])

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        query = request.META.get("QUERY_STRING", "")
        if request.method == "POST":
            query = urlencode(list(request.POST.lists()), doseq=True)
        if len(query) > QUERY_MAX:  # nothing of it is echoed: not even state to a redirect URI
            return HttpResponse("Authorization request too large.", status=414, content_type="text/plain")
        if request.method == "POST":
            response = HttpResponse(status=303)
            response["Location"] = f"{request.path}?{query}"
            return response
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        try:
            _, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError:
            return super().get(request, *args, **kwargs)  # DOT renders or redirects the error
        malformed = _malformed(request)
        if malformed:
            return self._error(credentials, *malformed)
        prompt = set(request.GET.get("prompt", "").split())
        if "login" not in prompt and self._too_old(request):
            if "none" in prompt:  # OIDC Core 3.1.2.1: no sign-in page under prompt=none
                return self._error(credentials, "login_required", "The authentication is older than max_age.")
            return self._sign_in_again("max_age")
        if "login" not in prompt:
            refusal = self._hint_refusal(request, credentials, prompt) or self._refusal(request, credentials)
            if refusal:
                return refusal
        return super().get(request, *args, **kwargs)

    def _hint_refusal(self, request: HttpRequest, credentials: dict, prompt: set[str]) -> HttpResponse | None:
        """OIDC Core 3.1.2.1: the session must be the user id_token_hint names."""
        hint = request.GET.get("id_token_hint")
        if not hint:
            return None
        subject = hinted_subject(hint, client_id=credentials["client_id"])
        if subject is None:
            return self._error(credentials, "invalid_request", "id_token_hint is not an ID token firmid issued to this client.")
        if subject == str(request.user.public_id):
            return None
        if "none" in prompt:
            return self._error(credentials, "login_required", "The user signed in is not the one id_token_hint names.")
        return self._sign_in_again("id_token_hint")

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
        application = self._application(credentials)
        if not application_admits(application=application, user=request.user):
            return self._error(credentials, "access_denied", "This application is not open to your account.")
        action = user_mfa_decision(user=request.user).action
        if action is Action.ENROLL_REQUIRED:
            logout(request)
            return redirect_to_login(request.get_full_path(), reverse("account_login"))
        if self._needs_mfa(request, application) and session_auth_context(request)["acr"] != ACR_MFA:
            if "none" in set(request.GET.get("prompt", "").split()):
                return self._error(credentials, "interaction_required", "This application requires MFA.")
            return self._step_up(request, has_factor=action is Action.VERIFY)
        return None

    @staticmethod
    def _needs_mfa(request: HttpRequest, application) -> bool:  # noqa: ANN001
        profile = getattr(application, "firmid_profile", None)
        return bool(profile and profile.require_mfa) or ACR_MFA in request.GET.get("acr_values", "").split()

    @staticmethod
    def _step_up(request: HttpRequest, *, has_factor: bool) -> HttpResponse:
        """Take the user through their second factor (or its set-up), then back here."""
        target = "mfa_reauthenticate" if has_factor else "firmid_mfa_step_up"
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")

    def _error(self, credentials: dict, error: str, description: str) -> HttpResponse:
        params = {"error": error, "error_description": description}
        if credentials.get("state"):
            params["state"] = credentials["state"]
        separator = "&" if "?" in credentials["redirect_uri"] else "?"
        application = self._application(credentials)
        return self.redirect(f"{credentials['redirect_uri']}{separator}{urlencode(params)}", application)

    def redirect(self, redirect_to: str, application) -> HttpResponse:  # noqa: ANN001
        # RFC 9207 2: every authorization response names the issuer, error responses too
        # (DOT adds it to successful ones only; openid-client refuses a response without it).
        issuer = oauth2_settings.oauth2_authorization_server_issuer(self.request)
        return super().redirect(_with_iss(redirect_to, issuer), application)

    def create_authorization_response(self, request, scopes, credentials, allow):  # noqa: ANN001, ANN201
        # oauthlib copies credentials onto its request: the validator stores this on the code.
        credentials = {**credentials, "firmid_auth_context": session_auth_context(request)}
        return super().create_authorization_response(request, scopes, credentials, allow)


def _token_in_query() -> HttpResponse:
    # RFC 6750 3.1 names the error; RFC 9700 4.3.2 (COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT)
    # keeps tokens out of URIs, which DOT checks for protected resources but not here.
    description = "Access tokens are not accepted in the URI query: use the Authorization header."
    response = JsonResponse({"error": "invalid_request", "error_description": description}, status=400)
    response["WWW-Authenticate"] = f'Bearer error="invalid_request", error_description="{description}"'
    return response


class UserInfoView(dot_views.UserInfoView):
    """DOT's UserInfo endpoint (GET and POST, header or form body), never with a token in the URI."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        return _token_in_query() if "access_token" in request.GET else super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        return _token_in_query() if "access_token" in request.GET else super().post(request, *args, **kwargs)


class IntrospectTokenView(dot_views.IntrospectTokenView):
    """DOT's token introspection (RFC 7662), for callers authenticated as a registered client."""

    # RFC 7662 2.1: by POST; DOT also answers GET, which puts the token in the URI.
    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        # A client learns about its own tokens only (RFC 7662 4: the server decides what a
        # caller may know); a token of another application is simply not active for it.
        caller = _authenticated_client_id(request)
        token = request.POST.get("token", "")
        if caller is not None and token and not _issued_to(token, caller):
            return JsonResponse({"active": False})
        return super().post(request, *args, **kwargs)

    def unauthenticated_response(self, request: HttpRequest, oauthlib_request=None) -> HttpResponse:  # noqa: ANN001
        # RFC 7662 2.3 and RFC 6749 5.2: a caller without valid credentials gets 401
        # invalid_client (DOT answers a bare 403).
        response = JsonResponse({"error": "invalid_client"}, status=401)
        response["WWW-Authenticate"] = 'Basic realm="firmid"'
        return response


class RPInitiatedLogoutView(dot_views.RPInitiatedLogoutView):
    """DOT's end_session endpoint; an unknown client_id is its invalid_request page, not a 500."""

    def get_request_application(self, id_token, client_id):  # noqa: ANN001, ANN201
        try:
            return super().get_request_application(id_token, client_id)
        except get_application_model().DoesNotExist:
            raise InvalidOIDCClientError() from None


class DiscoveryView(dot_views.ConnectDiscoveryInfoView):
    """DOT's discovery document, plus what firmid adds: acr values and its claims."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        response = super().get(request, *args, **kwargs)
        document = json.loads(response.content)
        document["acr_values_supported"] = ACR_VALUES
        document["claims_supported"] = sorted(
            {*document.get("claims_supported", []), *FirmidValidator.oidc_claim_scope, "auth_time", "amr", "acr"}
        )
        document["grant_types_supported"] = ["authorization_code", "refresh_token"]
        document["response_types_supported"] = ["code"]
        document["code_challenge_methods_supported"] = ["S256"]
        document["claims_parameter_supported"] = False
        # Every application signs with the provider's RSA key (see application_register).
        document["id_token_signing_alg_values_supported"] = ["RS256"]
        # request_uri_parameter_supported defaults to true when left out (OpenID Connect
        # Discovery 3): firmid supports neither request objects nor request_uri.
        document["request_parameter_supported"] = False
        document["request_uri_parameter_supported"] = False
        # RFC 8414 metadata of the two other endpoints, which clients (openid-client) look up here.
        document["revocation_endpoint"] = self._get_endpoint_url(request, "revoke-token", required=True)
        document["revocation_endpoint_auth_methods_supported"] = document["token_endpoint_auth_methods_supported"]
        document["introspection_endpoint"] = self._get_endpoint_url(request, "introspect", required=True)
        document["introspection_endpoint_auth_methods_supported"] = ["client_secret_basic", "client_secret_post"]
        response.content = json.dumps(document)
        return response


def _authenticated_client_id(request: HttpRequest) -> str | None:
    """The client id the caller authenticated with (Basic or form), None for a bearer caller."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return unquote_plus(decoded.partition(":")[0])
    return request.POST.get("client_id") or None


def _issued_to(token: str, client_id: str) -> bool:
    checksum = hashlib.sha256(token.encode()).hexdigest()
    tokens = get_access_token_model().objects.filter(token_checksum=checksum)
    return tokens.filter(application__client_id=client_id).exists() or not tokens.exists()
