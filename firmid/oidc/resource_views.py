"""The provider's protected resource, UserInfo (OIDC Core 5.3), with the errors of RFC 6750 3.

DOT answers every failure as a 401 invalid_token in text/html. RFC 6750 3.1 distinguishes:
no token at all is a bare challenge (no error code); a token that is not live is
invalid_token (401); a live token without the scope the resource needs is
insufficient_scope (403, OIDC Core 5.3.3 with 5.3.1's openid scope). Bodies are JSON.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider import views as dot_views

REALM = 'realm="firmid"'
SCOPE = "openid"  # OIDC Core 5.3.1: the access token of an OpenID Connect request


def bearer_error(error: str, description: str, *, status: int, **params: str) -> JsonResponse:
    """An RFC 6750 3 error: the same error in the challenge and the JSON body."""
    attributes = {"error": error, "error_description": description, **params}
    response = JsonResponse(attributes, status=status)
    response["WWW-Authenticate"] = ", ".join([f"Bearer {REALM}", *(f'{k}="{v}"' for k, v in attributes.items())])
    return response


def _no_credentials() -> JsonResponse:
    # RFC 6750 3.1: a request without any authentication information gets no error code.
    response = JsonResponse({}, status=401)
    response["WWW-Authenticate"] = f"Bearer {REALM}"
    return response


def _token_in_query() -> HttpResponse:
    # RFC 6750 3.1 names the error; RFC 9700 4.3.2 (COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT)
    # keeps tokens out of URIs, which DOT checks for protected resources but not here.
    description = "Access tokens are not accepted in the URI query: use the Authorization header."
    return bearer_error("invalid_request", description, status=400)


def _presents_a_token(request: HttpRequest) -> bool:
    """Did the request try Bearer authentication (RFC 6750 2.1 header or 2.2 form body)?"""
    scheme = request.headers.get("Authorization", "").partition(" ")[0]
    return scheme.lower() == "bearer" or (request.method == "POST" and "access_token" in request.POST)


class UserInfoView(dot_views.UserInfoView):
    """DOT's UserInfo endpoint (GET and POST, header or form body), never with a token in the URI."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        if "access_token" in request.GET:
            return _token_in_query()
        return self._checked(request, super().get(request, *args, **kwargs))

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        if "access_token" in request.GET:
            return _token_in_query()
        return self._checked(request, super().post(request, *args, **kwargs))

    def _checked(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return self._refusal(request) if response.status_code in (401, 403) else response

    def _refusal(self, request: HttpRequest) -> JsonResponse:
        """Why oauthlib refused the request, as RFC 6750 3.1 names it."""
        if not _presents_a_token(request):
            return _no_credentials()
        # oauthlib asked for a live token with the openid scope: live without it is a 403.
        live, _ = self.verify_request(request)  # the scopes of get_scopes(): none
        if live:
            description = "The access token was not issued for the openid scope."
            return bearer_error("insufficient_scope", description, status=403, scope=SCOPE)
        return bearer_error("invalid_token", "The access token is invalid, expired or revoked.", status=401)
