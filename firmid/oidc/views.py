"""The provider's endpoints: DOT's views, with firmid's policy at the application door."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlparse, urlunparse

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as dot_views
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from firmid.core import clock
from firmid.mfa.selectors import user_mfa_decision
from firmid.oidc.context import ACR_MFA, ACR_VALUES, session_auth_context
from firmid.oidc.door import DoorFacts, Outcome, Verdict, door_verdict
from firmid.oidc.hints import hint_fact
from firmid.oidc.introspection import token_introspection
from firmid.oidc.request_checks import PROMPTS, QUERY_MAX, malformed, max_age, prompt_values
from firmid.oidc.requirements import registered_application
from firmid.oidc.responses import RESPONSE_MODES, form_post_response, requested_form_post
from firmid.oidc.selectors import application_admits
from firmid.oidc.validators import FirmidValidator
from firmid.signin.federation import ask_fresh_authentication, step_up_through_upstream
from firmid.sso.selectors import connection_of_user


def _without(url: str, *params: str) -> str:
    parts = urlparse(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunparse(parts._replace(query=urlencode(query)))


def _with_iss(url: str, issuer: str) -> str:
    without = urlparse(_without(url, "iss"))
    return urlunparse(without._replace(query="&".join(filter(None, [without.query, urlencode({"iss": issuer})]))))


def _door_facts(request: HttpRequest, *, application, client_id: str) -> DoorFacts:  # noqa: ANN001
    """Gather what the door decides on: the request's, and the signed-in user's if any."""
    user = request.user
    subject = str(user.public_id) if user.is_authenticated else None
    prompt = prompt_values(request)
    hint = hint_fact(request.GET.get("id_token_hint"), client_id=client_id, user_subject=subject)
    if not user.is_authenticated:
        return DoorFacts(signed_in=False, prompt=prompt, hint=hint)
    context = session_auth_context(request)
    decision = user_mfa_decision(user=user)
    profile = getattr(application, "firmid_profile", None)
    return DoorFacts(
        signed_in=True,
        prompt=prompt,
        hint=hint,
        max_age=max_age(request),
        seconds_since_sign_in=clock.timestamp() - context["auth_time"],
        admitted=application_admits(application=application, user=user),
        must_enrol=decision.must_enroll,
        asks_for_code=decision.asks_for_code,
        federated=decision.managed_by_sso,
        application_requires_mfa=bool(profile and profile.require_mfa),
        acr_values_ask_mfa=ACR_MFA in request.GET.get("acr_values", "").split(),
        session_has_mfa=context["acr"] == ACR_MFA,
    )


def _step_up(request: HttpRequest, *, verify: bool) -> HttpResponse:
    """Take the user through their second factor (or its set-up), then back here."""
    target = "mfa_reauthenticate" if verify else "firmid_mfa_step_up"
    return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


def _step_up_upstream(request: HttpRequest) -> HttpResponse:
    """Send a federated user to their firm's provider for MFA, then back here."""
    connection = connection_of_user(user=request.user)
    if connection is None:  # the connection was disabled meanwhile: sign in again, under the firm's level
        logout(request)
        return redirect_to_login(request.get_full_path(), reverse("account_login"))
    return step_up_through_upstream(request, connection)


def _error_reason(error: errors.OAuth2Error) -> str:
    """Why firmid refuses an authorization request without sending the user back, in words."""
    if isinstance(error, errors.MissingClientIdError):
        return _("The request does not say which application sent it.")
    if isinstance(error, errors.InvalidClientIdError):
        return _("firmid does not know the application that sent this request.")
    if isinstance(error, errors.MissingRedirectURIError):
        return _("The request does not say where to send you back.")
    if isinstance(error, (errors.InvalidRedirectURIError, errors.MismatchingRedirectURIError)):
        return _("The address the application asked firmid to send you back to is not one it registered.")
    return _("The request is not one firmid can accept.")


def _registered_home(request: HttpRequest) -> dict | None:
    """The name and home page of the registered application the request names, if any: a way back."""
    client_ids = request.GET.getlist("client_id")
    application = registered_application(client_ids[0]) if len(client_ids) == 1 else None
    profile = getattr(application, "firmid_profile", None)
    if profile is None or not profile.home_url:
        return None
    return {"name": application.name, "url": profile.home_url}


@method_decorator(csrf_exempt, name="dispatch")
class AuthorizationView(dot_views.AuthorizationView):
    """DOT's authorization endpoint behind the MFA policy: no code until the policy is met.

    Every registered application is a first-party one (skip_authorization), so there is
    no consent form: the GET is the whole decision. An authorization request sent by POST
    (OIDC Core 3.1.2.1: the endpoint MUST accept both) is answered as the same request by
    GET (303), so that sign-in and step-up can come back to it like to any other.
    The whole request is checked before anyone is asked to sign in (OIDC Core 3.1.2.2
    before 3.1.2.3): the same checks and the same door for an anonymous user and a signed-in one.
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
            return HttpResponse(_("Authorization request too large."), status=414, content_type="text/plain")
        if request.method == "POST":
            response = HttpResponse(status=303)
            response["Location"] = f"{request.path}?{query}"
            return response
        return super().dispatch(request, *args, **kwargs)

    def error_response(self, error: OAuthToolkitError, application, **kwargs) -> HttpResponse:  # noqa: ANN001, ANN003
        # The page of a request firmid cannot answer to the application: why, in the user's
        # language, and the registered application's home page as the way back, if known.
        if isinstance(error, FatalClientError):
            kwargs = {
                "reason": _error_reason(error.oauthlib_error),
                "back_to": _registered_home(self.request),
                **kwargs,
            }
        return super().error_response(error, application, **kwargs)

    def handle_no_permission(self) -> HttpResponse:
        # LoginRequiredMixin answers an anonymous user here, before get(): nobody is asked to
        # sign in for a request that would fail anyway.
        return self._through_door(self.request) or super().handle_no_permission()  # the sign-in page

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        return self._through_door(request) or super().get(request, *args, **kwargs)

    def _through_door(self, request: HttpRequest) -> HttpResponse | None:
        """Refuse a bad request or act on the door's verdict; None lets DOT answer."""
        try:
            _, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            # An unknown client_id or unregistered redirect_uri: firmid's error page (400),
            # never a redirect; any other error goes to the registered redirect_uri.
            return self.error_response(error, application=None)
        problem = malformed(request)
        if problem:
            return self._error(credentials, *problem)
        application = self._application(credentials)  # oauthlib loaded it, with its profile
        facts = _door_facts(request, application=application, client_id=credentials["client_id"])
        return self._act(door_verdict(facts), credentials)

    def _act(self, verdict: Verdict, credentials: dict) -> HttpResponse | None:
        """Answer as the verdict says; None for PROCEED and SIGN_IN, which DOT answers."""
        outcome = verdict.outcome
        if outcome is Outcome.REFUSE:
            return self._error(credentials, verdict.error, verdict.description)
        if outcome is Outcome.SIGN_IN_AGAIN:
            return self._sign_in_again(verdict.consumed)
        if outcome is Outcome.ENROL:  # the sign-in's stages ask for the set-up
            logout(self.request)
            return redirect_to_login(self.request.get_full_path(), reverse("account_login"))
        if outcome is Outcome.UPSTREAM_MFA:
            return _step_up_upstream(self.request)
        if outcome in (Outcome.VERIFY_FACTOR, Outcome.SET_UP_FACTOR):
            return _step_up(self.request, verify=outcome is Outcome.VERIFY_FACTOR)
        return None

    def handle_prompt_login(self) -> HttpResponse:
        return self._sign_in_again("prompt")

    def _sign_in_again(self, consumed: str) -> HttpResponse:
        # The user must really authenticate again: allauth would otherwise send a
        # signed-in user straight back here.
        logout(self.request)
        ask_fresh_authentication(self.request)  # of the firm's provider too, for a federated user
        next_url = _without(self.request.get_full_path(), consumed, "max_age")
        return redirect_to_login(next_url, reverse("account_login"))

    def _error(self, credentials: dict, error: str, description: str | None) -> HttpResponse:
        params = {"error": error}
        if description is not None:  # DOT's own login_required has none
            params["error_description"] = description
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
            self.request,
            redirect_uri=self.request.GET["redirect_uri"],
            location=location,
            allowed_schemes=schemes,
            application_name=application.name if application else _("the application"),
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
        # seam: DOT's private _get_endpoint_url (firmid/core/seams/dot.py).
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
