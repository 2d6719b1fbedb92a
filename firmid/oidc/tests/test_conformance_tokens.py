"""OpenID Foundation Basic OP modules on tokens: refresh, userinfo; revocation and introspection.

OIDC Core 5.3 and 12, RFC 6749 6, RFC 6750 2, RFC 7009, RFC 7662, RFC 9700 2.2.2 and 4.14.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_refresh_token_model

from firmid.mfa.services import user_reset_mfa
from firmid.oidc.services import application_register
from firmid.policy import MfaLevel, UserType
from firmid.testing.factories import set_level
from firmid.testing.oidc import (
    INTROSPECT,
    REDIRECT,
    REVOKE,
    TOKEN,
    USERINFO,
    auth_request,
    basic,
    code_flow,
    code_of,
    exchange,
    oauth_error,
    refresh,
    token_post,
    tokens_ok,
    verify_id_token,
)
from firmid.testing.signin import sign_in

RefreshToken = get_refresh_token_model()


@pytest.fixture
def flow(client, alice, password, registration):
    """A finished code flow with every scope: (request, token response)."""
    return code_flow(client, registration, alice, password, scope="openid profile email")


def _bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _client_auth(registration) -> dict:
    return {"HTTP_AUTHORIZATION": basic(registration.application.client_id, registration.client_secret)}


# Refresh tokens: rotation, reuse detection, absolute expiry (RFC 9700 4.14) -----------------


def test_oidcc_refresh_token(flow, registration) -> None:
    _, tokens = flow
    renewed = tokens_ok(refresh(registration, tokens["refresh_token"]))
    assert renewed["access_token"] != tokens["access_token"]
    assert renewed["refresh_token"] != tokens["refresh_token"]  # rotated
    assert set(renewed["scope"].split()) == {"openid", "profile", "email"}
    assert "id_token" not in renewed  # OIDC Core 12.2: optional; firmid re-proves no authentication
    assert Client().get(USERINFO, **_bearer(renewed["access_token"])).status_code == 200
    # The rotated-out refresh token is refused, with the error RFC 6749 5.2 names.
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"


def test_oidcc_refresh_token_of_another_client_is_refused(flow, registration) -> None:
    _, tokens = flow
    other = application_register(actor=None, name="Other", home_url="http://127.0.0.1:9999/", redirect_uris=[REDIRECT])
    assert oauth_error(refresh(other, tokens["refresh_token"])) == "invalid_grant"
    tokens_ok(refresh(registration, tokens["refresh_token"]))  # still the owner's


def test_refresh_token_reuse_revokes_the_whole_family(flow, registration) -> None:
    _, tokens = flow
    renewed = tokens_ok(refresh(registration, tokens["refresh_token"]))
    # The old one comes back (stolen and replayed, or the client raced): the family is revoked,
    # so the thief and the legitimate client both lose it (RFC 9700 4.14.2).
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    assert oauth_error(refresh(registration, renewed["refresh_token"])) == "invalid_grant"


def test_refresh_token_absolute_expiry(flow, registration) -> None:
    _, tokens = flow
    renewed = tokens_ok(refresh(registration, tokens["refresh_token"]))
    family = RefreshToken.objects.get(token_checksum__isnull=False, revoked__isnull=True).token_family
    started = timezone.now() - timedelta(seconds=settings.FIRMID_REFRESH_ABSOLUTE_SECONDS + 1)
    first = RefreshToken.objects.filter(token_family=family).order_by("created").first()
    RefreshToken.objects.filter(pk=first.pk).update(created=started)
    # Rotation does not extend the family's life: the newest token dies with the first's age.
    assert oauth_error(refresh(registration, renewed["refresh_token"])) == "invalid_grant"
    assert not RefreshToken.objects.filter(token_family=family, revoked__isnull=True).exists()


# Revocation follows the user: reset MFA, level now Mandatory --------------------------------


def test_reset_mfa_refuses_the_users_refresh_token(flow, registration, alice, make_agent) -> None:
    _, tokens = flow
    user_reset_mfa(actor=make_agent(2), user=alice, reason="Lost phone")
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    assert Client().get(USERINFO, **_bearer(tokens["access_token"])).status_code == 401


def test_level_now_mandatory_refuses_a_user_without_mfa_at_the_next_refresh(flow, registration, alice) -> None:
    _, tokens = flow
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)  # the level row only: checked lazily
    assert Client().get(USERINFO, **_bearer(tokens["access_token"])).status_code == 401
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    # Refused for good: back at Upon request, the revoked family does not come back.
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.UPON_REQUEST)
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"


# UserInfo (OIDC Core 5.3, RFC 6750 2) --------------------------------------------------------


def _check_userinfo(response, tokens: dict, registration) -> dict:
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    claims = response.json()
    id_token = verify_id_token(tokens["id_token"], registration=registration).claims
    assert claims["sub"] == id_token["sub"]  # OIDC Core 5.3.2: MUST match
    assert claims["email"] and claims["email_verified"] is True and claims["name"]
    assert claims["firm"]["name"] and claims["user_type"] == "practitioners"
    return claims


def test_oidcc_userinfo_get(flow, registration) -> None:
    _, tokens = flow
    _check_userinfo(Client().get(USERINFO, **_bearer(tokens["access_token"])), tokens, registration)


def test_oidcc_userinfo_post_header(flow, registration) -> None:
    _, tokens = flow
    _check_userinfo(Client().post(USERINFO, **_bearer(tokens["access_token"])), tokens, registration)


def test_oidcc_userinfo_post_body(flow, registration) -> None:
    # RFC 6750 2.2: the form-encoded body parameter is allowed (RFC 9700 forbids the query only).
    _, tokens = flow
    response = Client().post(USERINFO, {"access_token": tokens["access_token"]})
    _check_userinfo(response, tokens, registration)


def test_userinfo_refuses_a_token_in_the_query(flow) -> None:
    # RFC 6750 2.3 / RFC 9700 4.3.2: never in the URI (COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT).
    _, tokens = flow
    for method in ("get", "post"):
        response = getattr(Client(), method)(f"{USERINFO}?access_token={tokens['access_token']}")
        assert oauth_error(response) == "invalid_request"  # RFC 6750 3.1
        assert _challenge(response)[0] == "Bearer" and _challenge(response)[1]["error"] == "invalid_request"


def test_userinfo_without_or_with_a_bad_token_is_401_with_a_challenge(db) -> None:
    for headers in ({}, _bearer("not-a-token"), {"HTTP_AUTHORIZATION": "Basic Zm9vOmJhcg=="}):
        response = Client().get(USERINFO, **headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_userinfo_claims_follow_the_scopes(client, alice, password, registration) -> None:
    _, tokens = code_flow(client, registration, alice, password, scope="openid")
    claims = Client().get(USERINFO, **_bearer(tokens["access_token"])).json()
    assert claims["sub"] == str(alice.public_id) and {"email", "name"}.isdisjoint(claims)


# Revocation (RFC 7009) ------------------------------------------------------------------------


def test_revoking_the_refresh_token_ends_it_and_its_access_token(flow, registration) -> None:
    _, tokens = flow
    data = {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}
    assert Client().post(REVOKE, data, **_client_auth(registration)).status_code == 200
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    assert Client().get(USERINFO, **_bearer(tokens["access_token"])).status_code == 401


def test_revoking_the_access_token(flow, registration) -> None:
    _, tokens = flow
    assert Client().post(REVOKE, {"token": tokens["access_token"]}, **_client_auth(registration)).status_code == 200
    assert Client().get(USERINFO, **_bearer(tokens["access_token"])).status_code == 401


def test_revocation_of_unknown_or_foreign_tokens(flow, registration) -> None:
    _, tokens = flow
    # RFC 7009 2.2: an invalid token is answered 200, so clients need not handle an error.
    assert Client().post(REVOKE, {"token": "no-such-token"}, **_client_auth(registration)).status_code == 200
    # Another client cannot revoke it (2.1: the token must have been issued to the caller).
    other = application_register(actor=None, name="Other", home_url="http://127.0.0.1:9999/", redirect_uris=[REDIRECT])
    Client().post(REVOKE, {"token": tokens["access_token"]}, **_client_auth(other))
    assert Client().get(USERINFO, **_bearer(tokens["access_token"])).status_code == 200
    # Without client authentication: invalid_client.
    assert oauth_error(Client().post(REVOKE, {"token": tokens["access_token"]}), status=401) == "invalid_client"
    assert Client().get(USERINFO, **_bearer(tokens["access_token"])).status_code == 200


# Introspection (RFC 7662) ---------------------------------------------------------------------


def test_introspection_for_an_authenticated_client(flow, registration) -> None:
    _, tokens = flow
    response = Client().post(INTROSPECT, {"token": tokens["access_token"]}, **_client_auth(registration))
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True and body["client_id"] == registration.application.client_id
    assert set(body["scope"].split()) == {"openid", "profile", "email"} and body["exp"] > 0
    assert Client().post(INTROSPECT, {"token": "no-such-token"}, **_client_auth(registration)).json() == {
        "active": False
    }
    # A live refresh token is active too (RFC 7662 2.2; firmid/oidc/tests/test_introspection.py).
    assert Client().post(INTROSPECT, {"token": tokens["refresh_token"]}, **_client_auth(registration)).json()["active"]
    Client().post(REVOKE, {"token": tokens["access_token"]}, **_client_auth(registration))
    revoked = Client().post(INTROSPECT, {"token": tokens["access_token"]}, **_client_auth(registration))
    assert revoked.json() == {"active": False}


def test_introspection_needs_an_authorized_caller(flow, registration) -> None:
    _, tokens = flow
    # RFC 7662 2.1 and 4: no anonymous token scanning; 2.3: invalid client credentials get a 401.
    for headers in ({}, {"HTTP_AUTHORIZATION": basic(registration.application.client_id, "wrong")}):
        response = Client().post(INTROSPECT, {"token": tokens["access_token"]}, **headers)
        assert oauth_error(response, status=401) == "invalid_client"
        assert "active" not in response.json()
    # A user's access token (no "introspection" scope) is not an authorization to introspect.
    response = Client().post(INTROSPECT, {"token": tokens["access_token"]}, **_bearer(tokens["access_token"]))
    assert response.status_code in (401, 403) and b"active" not in response.content


# Token endpoint errors (RFC 6749 5.1, 5.2; strict clients read them to the letter) ----------

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
UNLISTED_GRANTS = [
    DEVICE_CODE,
    "client_credentials",
    "password",
    "implicit",
    "openid",
    "urn:openid:params:grant-type:ciba",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "AUTHORIZATION_CODE",
]


def _token_error(response, status: int = 400) -> dict:
    """An RFC 6749 5.2 error: JSON, never stored (5.1 holds for errors too)."""
    assert oauth_error(response, status)
    assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"
    return response.json()


def test_token_endpoint_lists_its_grants_in_discovery(db) -> None:
    from firmid.oidc.validators import GRANT_TYPES

    discovery = Client().get("/.well-known/openid-configuration").json()
    assert set(discovery["grant_types_supported"]) == set(GRANT_TYPES)


@pytest.mark.parametrize("grant_type", UNLISTED_GRANTS)
def test_grant_not_listed_in_discovery_is_unsupported_grant_type(registration, grant_type: str) -> None:
    for extra in ({}, {"device_code": "x", "code": "x", "username": "a@b.test", "password": "x", "assertion": "x"}):
        for auth in ("basic", "none"):
            response = token_post({"grant_type": grant_type, **extra}, registration=registration, auth=auth)
            assert _token_error(response)["error"] == "unsupported_grant_type", (grant_type, extra, auth)


def test_device_code_grant_is_unsupported_not_a_500_or_a_404(db) -> None:
    # Was a 500 HTML page without device_code, and a 404 device_not_found (a lookup before any
    # client authentication) with one.
    for data in ({"grant_type": DEVICE_CODE}, {"grant_type": DEVICE_CODE, "device_code": "guess"}):
        response = Client(raise_request_exception=False).post(TOKEN, data)
        assert _token_error(response)["error"] == "unsupported_grant_type"


def test_token_request_without_grant_type_is_invalid_request(registration) -> None:
    # RFC 6749 5.2: a missing required parameter is invalid_request (oauthlib answered
    # unsupported_grant_type, as if an authorization_code grant had been asked for).
    for data in ({"code": "x", "redirect_uri": REDIRECT}, {"grant_type": "", "code": "x"}):
        assert _token_error(token_post(data, registration=registration))["error"] == "invalid_request"


def test_redirect_uri_mismatch_at_the_code_exchange_is_invalid_grant(client, alice, password, registration) -> None:
    # RFC 6749 5.2: "does not match the redirection URI used in the authorization request"
    # is invalid_grant (oauthlib said invalid_request).
    sign_in(client, alice.email, password)
    for uri in ("http://127.0.0.1:9999/other", REDIRECT + "/", "https://attacker.example/cb"):
        request = auth_request(registration)
        code = code_of(client.get(request.url), request)
        assert (
            _token_error(exchange(registration, code, request.verifier, redirect_uri=uri))["error"] == "invalid_grant"
        )


def test_invalid_client_after_http_basic_answers_the_basic_challenge(registration) -> None:
    # RFC 6749 5.2: 401 with a WWW-Authenticate of the scheme the client used (was "Bearer").
    wrong = {"HTTP_AUTHORIZATION": basic(registration.application.client_id, "wrong")}
    data = {"grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT, "code_verifier": "v" * 43}
    for endpoint, body in ((TOKEN, data), (REVOKE, {"token": "x"})):
        response = Client().post(endpoint, body, **wrong)
        assert _token_error(response, status=401)["error"] == "invalid_client", endpoint
        assert response["WWW-Authenticate"] == 'Basic realm="firmid"', endpoint


def test_invalid_client_after_client_secret_post_is_401_with_the_basic_challenge(registration) -> None:
    # RFC 6749 5.2 allows 401 here; a 401 carries a challenge (RFC 9110 15.5.2): the Basic one.
    client_id = registration.application.client_id
    data = {"grant_type": "refresh_token", "refresh_token": "x", "client_id": client_id, "client_secret": "wrong"}
    for endpoint, body in ((TOKEN, data), (REVOKE, {"token": "x", "client_id": client_id, "client_secret": "wrong"})):
        response = Client().post(endpoint, body)
        assert _token_error(response, status=401)["error"] == "invalid_client", endpoint
        assert response["WWW-Authenticate"] == 'Basic realm="firmid"', endpoint


def test_client_authenticating_two_ways_is_invalid_request(registration) -> None:
    # RFC 6749 2.3: a client MUST NOT use more than one authentication method in a request.
    auth = _client_auth(registration)
    both = {"client_secret": registration.client_secret}
    response = Client().post(TOKEN, {"grant_type": "refresh_token", "refresh_token": "x", **both}, **auth)
    assert _token_error(response)["error"] == "invalid_request"
    assert _token_error(Client().post(REVOKE, {"token": "x", **both}, **auth))["error"] == "invalid_request"


def test_every_token_response_is_json_and_never_stored(flow, registration) -> None:
    _, tokens = flow
    tokens_ok(refresh(registration, tokens["refresh_token"]))
    for response in (
        Client().post(f"{TOKEN}?code=x", {"grant_type": "authorization_code"}, **_client_auth(registration)),
        token_post({"grant_type": "refresh_token", "refresh_token": "spent"}, registration=registration),
        token_post({"grant_type": DEVICE_CODE}, registration=registration),
        Client().post(TOKEN, {"grant_type": "refresh_token", "refresh_token": "x"}),
    ):
        assert _token_error(response, status=response.status_code)["error"]


# UserInfo errors (RFC 6750 3 and 3.1, OIDC Core 5.3.3) ---------------------------------------


def _challenge(response) -> tuple[str, dict]:
    """The scheme and auth-params of a WWW-Authenticate challenge."""
    scheme, _, rest = response["WWW-Authenticate"].partition(" ")
    return scheme, dict(re.findall(r'(\w+)="([^"]*)"', rest))


@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_AUTHORIZATION": "Basic Zm9vOmJhcg=="}, {"HTTP_AUTHORIZATION": "DPoP x"}]
)
def test_userinfo_without_a_bearer_token_has_no_error_in_its_challenge(db, headers: dict) -> None:
    # RFC 6750 3.1: a request without any authentication information (or another scheme)
    # SHOULD NOT get an error code; DOT answered invalid_token, in text/html.
    for method in ("get", "post"):
        response = getattr(Client(), method)(USERINFO, **headers)
        assert response.status_code == 401 and response["Content-Type"] == "application/json"
        assert _challenge(response) == ("Bearer", {"realm": "firmid"})
        assert "error" not in response.json()


def test_userinfo_with_a_dead_token_is_invalid_token(flow, registration) -> None:
    _, tokens = flow
    Client().post(REVOKE, {"token": tokens["access_token"]}, **_client_auth(registration))
    for token in ("not-a-token", tokens["access_token"]):
        response = Client().get(USERINFO, **_bearer(token))
        assert response.status_code == 401 and response.json()["error"] == "invalid_token"
        scheme, params = _challenge(response)
        assert scheme == "Bearer" and params["realm"] == "firmid" and params["error"] == "invalid_token"


def test_userinfo_with_a_token_without_the_openid_scope_is_403_insufficient_scope(
    client, alice, password, registration
) -> None:
    # OIDC Core 5.3.1 needs the openid scope; RFC 6750 3.1: a live token without the scope
    # the resource needs is insufficient_scope, 403 (DOT: 401 invalid_token).
    _, tokens = code_flow(client, registration, alice, password, scope="profile email")
    for method in ("get", "post"):
        response = getattr(Client(), method)(USERINFO, **_bearer(tokens["access_token"]))
        assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"
        assert response["Content-Type"] == "application/json"
        scheme, params = _challenge(response)
        assert scheme == "Bearer" and params["error"] == "insufficient_scope" and params["scope"] == "openid"
