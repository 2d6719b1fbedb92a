"""The provider's endpoints: DOT's views, with firmid's policy at the application door."""

from __future__ import annotations

import base64
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
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_validators import is_valid_resource_uri
from oauth2_provider.settings import oauth2_settings

from firmid.core import clock
from firmid.mfa.selectors import user_mfa_decision
from firmid.oidc.context import ACR_MFA, ACR_VALUES, session_auth_context
from firmid.oidc.hints import hinted_subject
from firmid.oidc.introspection import token_introspection
from firmid.oidc.responses import RESPONSE_MODES, form_post_response, requested_form_post
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


# The prompt values firmid honours. consent is refused (consent_required): the firm registers
# its applications, and firmid shows no consent screen. select_account is the sign-in page.
PROMPTS = {"none", "login", "select_account"}
SIGN_IN_AGAIN = {"login", "select_account"}
# RFC 7636 4.2: BASE64URL(SHA256(verifier)) is 43 characters of [A-Za-z0-9-_]; the grant keeps 128.
CODE_CHALLENGE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
NONCE_MAX = 255  # the grant's nonce column: longer would fail to save (a 500 on PostgreSQL)
QUERY_MAX = 8192  # bytes of an authorization request: longer is 414, as most servers answer anyway


def _prompt(request: HttpRequest) -> set[str]:
    return set(request.GET.get("prompt", "").split())


def _malformed(request: HttpRequest) -> tuple[str, str] | None:
    """The error (and its description) of a request that oauthlib lets through but firmid must not."""
    return _unsupported(request) or _invalid_value(request)


def _unsupported(request: HttpRequest) -> tuple[str, str] | None:
    """What the request asks for that firmid does not do: refused, never silently ignored."""
    if "request" in request.GET:
        return "request_not_supported", "Request objects are not supported."  # OIDC Core 6.1
    if "request_uri" in request.GET:
        return "request_uri_not_supported", "request_uri is not supported."
    if request.GET.get("response_mode", "query") not in RESPONSE_MODES:
        return "invalid_request", "response_mode must be query or form_post."
    if "consent" in _prompt(request):  # OIDC Core 3.1.2.1: cannot obtain consent, so the error
        return "consent_required", "firmid shows no consent screen: the firm registered this application."
    if not _prompt(request) <= PROMPTS:
        return "invalid_request", "Unsupported prompt value."
    return None


def _invalid_value(request: HttpRequest) -> tuple[str, str] | None:
    if not CODE_CHALLENGE.fullmatch(request.GET.get("code_challenge", "")):
        return "invalid_request", "code_challenge must be a BASE64URL S256 challenge (RFC 7636 4.2)."
    if request.GET.get("code_challenge_method") != "S256":  # DOT refuses plain only as it saves the code
        return "invalid_request", "code_challenge_method must be S256 (RFC 9700 2.1.1)."
    if len(request.GET.get("nonce", "")) > NONCE_MAX:
        return "invalid_request", f"nonce may have at most {NONCE_MAX} characters."
    duplicated = sorted(k for k, values in request.GET.lists() if len(values) > 1)
    if duplicated:  # RFC 6749 3.1: parameters MUST NOT be included more than once
        return "invalid_request", f"Repeated parameter: {duplicated[0][:40]}."
    if "max_age" in request.GET and _max_age(request) is None:
        return "invalid_request", "max_age must be a number of seconds."
    if not all(is_valid_resource_uri(uri) for uri in request.GET.getlist("resource")):
        return "invalid_target", "resource must be an absolute URI (RFC 8707)."
    return None


def _hint_problem(request: HttpRequest, client_id: str) -> tuple[str, str] | None:
    hint = request.GET.get("id_token_hint")
    if hint and hinted_subject(hint, client_id=client_id) is None:
        return "invalid_request", "id_token_hint is not an ID token firmid issued to this client."
    return None


@method_decorator(csrf_exempt, name="dispatch")
class AuthorizationView(dot_views.AuthorizationView):
    """DOT's authorization endpoint behind the MFA policy: no code until the policy is met.

    Every registered application is a first-party one (skip_authorization), so there is
    no consent form: the GET is the whole decision. An authorization request sent by POST
    (OIDC Core 3.1.2.1: the endpoint MUST accept both) is answered as the same request by
    GET (303), so that sign-in and step-up can come back to it like to any other.
    The whole request is checked before anyone is asked to sign in (OIDC Core 3.1.2.2
    before 3.1.2.3): the same checks for an anonymous user and a signed-in one.
    """

    http_method_names = ["get", "post"]
    template_name = "oidc/authorization_error.html"  # DOT renders its fatal errors with it
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

    def _request_refusal(self, request: HttpRequest) -> HttpResponse | None:
        """The answer to a request that no sign-in can make valid, else None."""
        try:
            _, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            # An unknown client_id or unregistered redirect_uri: firmid's error page (400),
            # never a redirect; any other error goes to the registered redirect_uri.
            return self.error_response(error, application=None)
        problem = _malformed(request) or _hint_problem(request, credentials["client_id"])
        return self._error(credentials, *problem) if problem else None

    def handle_no_permission(self) -> HttpResponse:
        # LoginRequiredMixin answers an anonymous user here, before get(): nobody is asked to
        # sign in for a request that would fail anyway.
        refusal = self._request_refusal(self.request)
        if refusal:
            return refusal
        if _prompt(self.request) & SIGN_IN_AGAIN:
            return self.handle_prompt_login()
        return super().handle_no_permission()  # prompt=none: login_required; else the sign-in page

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        refusal = self._request_refusal(request)
        if refusal:
            return refusal
        _, credentials = self.validate_authorization_request(request)
        prompt = _prompt(request)
        if prompt & SIGN_IN_AGAIN:  # select_account: the sign-in page is where an account is chosen
            return self.handle_prompt_login()
        if self._too_old(request):
            if "none" in prompt:  # OIDC Core 3.1.2.1: no sign-in page under prompt=none
                return self._error(credentials, "login_required", "The authentication is older than max_age.")
            return self._sign_in_again("max_age")
        refusal = self._hint_refusal(request, credentials, prompt) or self._refusal(request, credentials)
        return refusal or super().get(request, *args, **kwargs)

    def _hint_refusal(self, request: HttpRequest, credentials: dict, prompt: set[str]) -> HttpResponse | None:
        """OIDC Core 3.1.2.1: the session must be the user id_token_hint names."""
        hint = request.GET.get("id_token_hint")
        if not hint:
            return None
        subject = hinted_subject(hint, client_id=credentials["client_id"])  # checked valid before
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
            if "none" in _prompt(request):
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
        location = _with_iss(redirect_to, issuer)
        if not requested_form_post(self.request):
            return super().redirect(location, application)
        # oauthlib knows query and fragment only (it would silently answer in the query):
        # the same response, POSTed. Redirects follow validation, so redirect_uri is registered.
        schemes = application.get_allowed_schemes() if application else oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES
        return form_post_response(
            self.request, redirect_uri=self.request.GET["redirect_uri"], location=location,
            allowed_schemes=schemes, application_name=application.name if application else "the application",
        )

    def create_authorization_response(self, request, scopes, credentials, allow):  # noqa: ANN001, ANN201
        # oauthlib copies credentials onto its request: the validator stores this on the code.
        credentials = {**credentials, "firmid_auth_context": session_auth_context(request)}
        return super().create_authorization_response(request, scopes, credentials, allow)


class IntrospectTokenView(dot_views.IntrospectTokenView):
    """DOT's token introspection (RFC 7662), for confidential clients, about their own tokens."""

    # RFC 7662 2.1: by POST; DOT also answers GET, which puts the token in the URI.
    http_method_names = ["post", "options"]
    caller = None  # the confidential client that authenticated this request

    def authenticate_client(self, request: HttpRequest) -> bool:
        # RFC 7662 2.1: the caller authenticates. A public client has no secret (anyone can
        # send its client_id), so it cannot; RFC 6749 2.3.1: one authentication method only.
        caller = _authenticated_client_id(request)
        if caller is None or _two_client_identities(request, caller) or not super().authenticate_client(request):
            return False
        application = get_application_model().objects.filter(client_id=caller).select_related("firmid_profile").first()
        if application is None or application.client_type != application.CLIENT_CONFIDENTIAL:
            return False
        self.caller = application
        return True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        if self.caller is None:  # a bearer token with DOT's "introspection" scope: firmid grants none
            return self.unauthenticated_response(request)
        token = request.POST.get("token")
        if token is None:
            return super().post(request, *args, **kwargs)  # DOT's invalid_request
        # A client learns about its own tokens only (RFC 7662 4: the server decides what a
        # caller may know); a token of another application is simply not active for it.
        answer = token_introspection(token=token, hint=request.POST.get("token_type_hint", ""), client=self.caller)
        response = JsonResponse(answer)
        response["Cache-Control"] = "no-store"
        return response

    def unauthenticated_response(self, request: HttpRequest, oauthlib_request=None) -> HttpResponse:  # noqa: ANN001
        # RFC 7662 2.3 and RFC 6749 5.2: a caller without valid credentials gets 401
        # invalid_client (DOT answers a bare 403).
        response = JsonResponse({"error": "invalid_client"}, status=401)
        response["WWW-Authenticate"] = 'Basic realm="firmid"'
        return response


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
        # Confidential clients only: a public client ("none") cannot introspect (RFC 7662 2.1).
        document["introspection_endpoint_auth_methods_supported"] = ["client_secret_basic", "client_secret_post"]
        # select_account is the sign-in page; consent is refused with consent_required.
        document["prompt_values_supported"] = sorted(PROMPTS)
        # Left out, it would mean query and fragment (Discovery 3); fragment is refused.
        document["response_modes_supported"] = list(RESPONSE_MODES)
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


def _two_client_identities(request: HttpRequest, basic_client_id: str) -> bool:
    """HTTP Basic and form credentials together (RFC 6749 2.3.1: one method per request)."""
    if not request.headers.get("Authorization", "").lower().startswith("basic "):
        return False
    return "client_secret" in request.POST or request.POST.get("client_id", basic_client_id) != basic_client_id
