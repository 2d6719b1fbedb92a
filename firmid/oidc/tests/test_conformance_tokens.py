"""OpenID Foundation Basic OP modules on tokens: refresh, userinfo; revocation and introspection.

OIDC Core 5.3 and 12, RFC 6749 6, RFC 6750 2, RFC 7009, RFC 7662, RFC 9700 2.2.2 and 4.14.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_refresh_token_model

from firmid.accounts.tests.test_sign_in_flow import set_level
from firmid.mfa.services import user_reset_mfa
from firmid.oidc.services import application_register
from firmid.oidc.tests.conftest import REDIRECT
from firmid.oidc.tests.oidcc import (
    INTROSPECT,
    REVOKE,
    USERINFO,
    alice,  # noqa: F401
    basic,
    code_flow,
    oauth_error,
    refresh,
    tokens_ok,
    verify_id_token,
)
from firmid.policy import MfaLevel, UserType

RefreshToken = get_refresh_token_model()


@pytest.fixture
def flow(client, alice, password, registration):  # noqa: ANN001, ANN201, F811
    """A finished code flow with every scope: (request, token response)."""
    return code_flow(client, registration, alice, password, scope="openid profile email")


def _bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _client_auth(registration) -> dict:  # noqa: ANN001
    return {"HTTP_AUTHORIZATION": basic(registration.application.client_id, registration.client_secret)}


# Refresh tokens: rotation, reuse detection, absolute expiry (RFC 9700 4.14) -----------------


def test_oidcc_refresh_token(flow, registration) -> None:  # noqa: ANN001
    _, tokens = flow
    renewed = tokens_ok(refresh(registration, tokens["refresh_token"]))
    assert renewed["access_token"] != tokens["access_token"]
    assert renewed["refresh_token"] != tokens["refresh_token"]  # rotated
    assert set(renewed["scope"].split()) == {"openid", "profile", "email"}
    assert "id_token" not in renewed  # OIDC Core 12.2: optional; firmid re-proves no authentication
    assert Client().get(USERINFO, **_bearer(renewed["access_token"])).status_code == 200
    # The rotated-out refresh token is refused, with the error RFC 6749 5.2 names.
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"


def test_oidcc_refresh_token_of_another_client_is_refused(flow, registration) -> None:  # noqa: ANN001
    _, tokens = flow
    other = application_register(actor=None, name="Other", home_url="http://127.0.0.1:9999/", redirect_uris=[REDIRECT])
    assert oauth_error(refresh(other, tokens["refresh_token"])) == "invalid_grant"
    tokens_ok(refresh(registration, tokens["refresh_token"]))  # still the owner's


def test_refresh_token_reuse_revokes_the_whole_family(flow, registration) -> None:  # noqa: ANN001
    _, tokens = flow
    renewed = tokens_ok(refresh(registration, tokens["refresh_token"]))
    # The old one comes back (stolen and replayed, or the client raced): the family is revoked,
    # so the thief and the legitimate client both lose it (RFC 9700 4.14.2).
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    assert oauth_error(refresh(registration, renewed["refresh_token"])) == "invalid_grant"


def test_refresh_token_absolute_expiry(flow, registration) -> None:  # noqa: ANN001
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


def test_reset_mfa_refuses_the_users_refresh_token(flow, registration, alice, make_agent) -> None:  # noqa: ANN001, F811
    _, tokens = flow
    user_reset_mfa(actor=make_agent(2), user=alice)
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    assert Client().get(USERINFO, **_bearer(tokens["access_token"])).status_code == 401


def test_level_now_mandatory_refuses_a_user_without_mfa_at_the_next_refresh(flow, registration, alice) -> None:  # noqa: ANN001, F811
    _, tokens = flow
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)  # the level row only: checked lazily
    assert Client().get(USERINFO, **_bearer(tokens["access_token"])).status_code == 401
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    # Refused for good: back at Upon request, the revoked family does not come back.
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.UPON_REQUEST)
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"


# UserInfo (OIDC Core 5.3, RFC 6750 2) --------------------------------------------------------


def _check_userinfo(response, tokens: dict, registration) -> dict:  # noqa: ANN001
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    claims = response.json()
    id_token = verify_id_token(tokens["id_token"], registration=registration).claims
    assert claims["sub"] == id_token["sub"]  # OIDC Core 5.3.2: MUST match
    assert claims["email"] and claims["email_verified"] is True and claims["name"]
    assert claims["firm"]["name"] and claims["user_type"] == "practitioners"
    return claims


def test_oidcc_userinfo_get(flow, registration) -> None:  # noqa: ANN001
    _, tokens = flow
    _check_userinfo(Client().get(USERINFO, **_bearer(tokens["access_token"])), tokens, registration)


def test_oidcc_userinfo_post_header(flow, registration) -> None:  # noqa: ANN001
    _, tokens = flow
    _check_userinfo(Client().post(USERINFO, **_bearer(tokens["access_token"])), tokens, registration)


def test_oidcc_userinfo_post_body(flow, registration) -> None:  # noqa: ANN001
    # RFC 6750 2.2: the form-encoded body parameter is allowed (RFC 9700 forbids the query only).
    _, tokens = flow
    response = Client().post(USERINFO, {"access_token": tokens["access_token"]})
    _check_userinfo(response, tokens, registration)


def test_userinfo_refuses_a_token_in_the_query(flow) -> None:  # noqa: ANN001
    # RFC 6750 2.3 / RFC 9700 4.3.2: never in the URI (COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT).
    _, tokens = flow
    for method in ("get", "post"):
        response = getattr(Client(), method)(f"{USERINFO}?access_token={tokens['access_token']}")
        assert oauth_error(response) == "invalid_request"  # RFC 6750 3.1
        assert response["WWW-Authenticate"].startswith('Bearer error="invalid_request"')


def test_userinfo_without_or_with_a_bad_token_is_401_with_a_challenge(db) -> None:  # noqa: ANN001
    for headers in ({}, _bearer("not-a-token"), {"HTTP_AUTHORIZATION": "Basic Zm9vOmJhcg=="}):
        response = Client().get(USERINFO, **headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_userinfo_claims_follow_the_scopes(client, alice, password, registration) -> None:  # noqa: ANN001, F811
    _, tokens = code_flow(client, registration, alice, password, scope="openid")
    claims = Client().get(USERINFO, **_bearer(tokens["access_token"])).json()
    assert claims["sub"] == str(alice.public_id) and {"email", "name"}.isdisjoint(claims)


# Revocation (RFC 7009) ------------------------------------------------------------------------


def test_revoking_the_refresh_token_ends_it_and_its_access_token(flow, registration) -> None:  # noqa: ANN001
    _, tokens = flow
    data = {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}
    assert Client().post(REVOKE, data, **_client_auth(registration)).status_code == 200
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    assert Client().get(USERINFO, **_bearer(tokens["access_token"])).status_code == 401


def test_revoking_the_access_token(flow, registration) -> None:  # noqa: ANN001
    _, tokens = flow
    assert Client().post(REVOKE, {"token": tokens["access_token"]}, **_client_auth(registration)).status_code == 200
    assert Client().get(USERINFO, **_bearer(tokens["access_token"])).status_code == 401


def test_revocation_of_unknown_or_foreign_tokens(flow, registration) -> None:  # noqa: ANN001
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


def test_introspection_for_an_authenticated_client(flow, registration) -> None:  # noqa: ANN001
    _, tokens = flow
    response = Client().post(INTROSPECT, {"token": tokens["access_token"]}, **_client_auth(registration))
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True and body["client_id"] == registration.application.client_id
    assert set(body["scope"].split()) == {"openid", "profile", "email"} and body["exp"] > 0
    for token in ("no-such-token", tokens["refresh_token"]):  # an access-token introspection endpoint
        assert Client().post(INTROSPECT, {"token": token}, **_client_auth(registration)).json() == {"active": False}
    Client().post(REVOKE, {"token": tokens["access_token"]}, **_client_auth(registration))
    revoked = Client().post(INTROSPECT, {"token": tokens["access_token"]}, **_client_auth(registration))
    assert revoked.json() == {"active": False}


def test_introspection_needs_an_authorized_caller(flow, registration) -> None:  # noqa: ANN001
    _, tokens = flow
    # RFC 7662 2.1 and 4: no anonymous token scanning; 2.3: invalid client credentials get a 401.
    for headers in ({}, {"HTTP_AUTHORIZATION": basic(registration.application.client_id, "wrong")}):
        response = Client().post(INTROSPECT, {"token": tokens["access_token"]}, **headers)
        assert oauth_error(response, status=401) == "invalid_client"
        assert "active" not in response.json()
    # A user's access token (no "introspection" scope) is not an authorization to introspect.
    response = Client().post(INTROSPECT, {"token": tokens["access_token"]}, **_bearer(tokens["access_token"]))
    assert response.status_code in (401, 403) and b"active" not in response.content
