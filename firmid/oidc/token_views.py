"""The token and revocation endpoints: DOT's views, answering as RFC 6749 5.2 and RFC 7009 2.2.1 say.

Before DOT and oauthlib see a request, firmid refuses what they would half-handle: a body
that is not one form of UTF-8 parameters, each given once (RFC 6749 3.2 and Appendix B);
a missing grant_type (invalid_request); any grant that discovery does not list
(unsupported_grant_type, before any lookup: DOT would look a device_code up and answer
404, or 500 without one); two client authentication methods at once (RFC 6749 2.3).
After them, every answer is JSON that no cache keeps (RFC 6749 5.1), and invalid_client
is a 401 with the Basic challenge, as the client authenticates with Basic, not Bearer
(oauthlib sends a Bearer challenge).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.views import defaults
from oauth2_provider import views as dot_views

from firmid.oidc.validators import GRANT_TYPES

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"  # not in RFC 6749, but what many HTTP clients send a form as
BASIC_CHALLENGE = 'Basic realm="firmid"'
REPEATABLE = {"resource"}  # RFC 8707 2: one resource parameter per resource
# The endpoints whose clients read JSON errors: a body Django refuses before any view
# (too large, too many fields) is answered there as invalid_request, not as an HTML page.
BACK_CHANNEL = ("token", "revoke-token", "introspect", "user-info")


def oauth_error(error: str, description: str, *, status: int = 400) -> JsonResponse:
    """An RFC 6749 5.2 error response, never stored by a cache."""
    return _not_stored(JsonResponse({"error": error, "error_description": description}, status=status))


def form_problem(request: HttpRequest) -> str | None:
    """Why the request's body is not one form of UTF-8 parameters each given once, else None."""
    if request.content_type not in (FORM, MULTIPART):
        return "The body must be application/x-www-form-urlencoded (RFC 6749 4.1.3)."
    try:
        if request.content_type == FORM and not _utf8_form(request.body):
            return "The body must be UTF-8 form parameters (RFC 6749 Appendix B)."
        params, files = request.POST, request.FILES
    except RequestDataTooBig:
        return "The request body is too large."
    except (SuspiciousOperation, MultiPartParserError, BadRequest):
        return "The request body is not a readable form."
    if files:
        return "The body carries parameters only, no files."
    repeated = sorted(key for key, values in params.lists() if len(values) > 1 and key not in REPEATABLE)
    if repeated:  # Django keeps the last of them, another server the first: refused
        return f"Repeated parameter: {repeated[0][:40]} (RFC 6749 3.2)."
    return None


def _utf8_form(body: bytes) -> bool:
    try:
        parse_qsl(body.decode(), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return False
    return True


def _two_client_authentications(request: HttpRequest) -> bool:
    # RFC 6749 2.3: a client MUST NOT use more than one authentication method in a request.
    scheme = request.headers.get("Authorization", "").partition(" ")[0]
    return scheme.lower() == "basic" and "client_secret" in request.POST


def _token_refusal(request: HttpRequest) -> JsonResponse | None:
    """The error of a token request that must not reach oauthlib, else None."""
    problem = form_problem(request)
    if problem:
        return oauth_error("invalid_request", problem)
    grant_type = request.POST.get("grant_type", "")
    if not grant_type:
        return oauth_error("invalid_request", "grant_type is required.")
    if grant_type not in GRANT_TYPES:
        return oauth_error("unsupported_grant_type", f"Supported grant types: {', '.join(GRANT_TYPES)}.")
    if _two_client_authentications(request):
        return oauth_error("invalid_request", "Authenticate the client one way only: HTTP Basic or the form.")
    return None


def _strict(response: HttpResponse) -> HttpResponse:
    """The answer of DOT, as RFC 6749 5.1 and 5.2 want it: JSON, not stored, the right challenge."""
    if response.status_code >= 400:
        response["Content-Type"] = "application/json"  # oauthlib's error body; DOT leaves text/html
    if response.status_code == 401:  # invalid_client, the only 401 of these endpoints
        response["WWW-Authenticate"] = BASIC_CHALLENGE
    return _not_stored(response)


def _not_stored(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


class TokenView(dot_views.TokenView):
    """DOT's token endpoint for the grants discovery lists, with RFC 6749 5.2 errors."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        refusal = _token_refusal(request)
        if refusal:
            return refusal
        # One transaction per exchange: the code consumed (or the refresh token rotated) and
        # the tokens it issues commit together. A worker stopped in between leaves the code
        # as it was, and the application's retry gets its tokens, not invalid_grant.
        with transaction.atomic():
            response = super().post(request, *args, **kwargs)
        return _strict(response)


class RevokeTokenView(dot_views.RevokeTokenView):
    """DOT's revocation endpoint (RFC 7009), with RFC 7009 2.2.1 and RFC 6749 5.2 errors."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        problem = form_problem(request)
        if problem:
            return oauth_error("invalid_request", problem)
        if _two_client_authentications(request):
            return oauth_error("invalid_request", "Authenticate the client one way only: HTTP Basic or the form.")
        return _strict(super().post(request, *args, **kwargs))


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 handler: a JSON invalid_request on the back-channel endpoints, its page elsewhere.

    A body too large (DATA_UPLOAD_MAX_MEMORY_SIZE) or with too many fields is refused by
    Django where the body is first read, in a middleware, before any view can answer.
    """
    if request.path not in {reverse(f"oauth2_provider:{name}") for name in BACK_CHANNEL}:
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return oauth_error("invalid_request", "The request body is too large.")
    return oauth_error("invalid_request", "The request is malformed.")
