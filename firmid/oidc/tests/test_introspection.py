"""Token introspection (RFC 7662) tells the truth, by `sub`, to confidential clients about their own tokens."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from firmid.oidc.services import application_register
from firmid.testing.oidc import (
    INTROSPECT,
    REDIRECT,
    REVOKE,
    auth_request,
    basic,
    code_flow,
    code_of,
    exchange,
    issuer,
    oauth_error,
    refresh,
    tokens_ok,
)
from firmid.testing.signin import sign_in

ANSWER_KEYS = {"active", "scope", "client_id", "sub", "iss", "iat", "exp", "token_type"}


@pytest.fixture
def tokens(client, alice, password, registration) -> dict:
    return code_flow(client, registration, alice, password, scope="openid email")[1]


def _introspect(registration, token: str, **data: str) -> dict:
    auth = basic(registration.application.client_id, registration.client_secret)
    response = Client().post(INTROSPECT, {"token": token, **data}, HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("hint", [{}, {"token_type_hint": "refresh_token"}, {"token_type_hint": "access_token"}])
def test_live_refresh_token_introspects_as_active_with_sub(tokens, registration, alice, hint: dict) -> None:
    answer = _introspect(registration, tokens["refresh_token"], **hint)
    assert answer["active"] is True and set(answer) == ANSWER_KEYS
    assert answer["sub"] == str(alice.public_id)  # the ID token's sub, never the database id
    assert answer["client_id"] == registration.application.client_id and answer["iss"] == issuer()
    assert set(answer["scope"].split()) == {"openid", "email"} and answer["token_type"] == "refresh_token"
    # Its end: the sliding lifetime after its access token, within the chain's absolute limit.
    assert answer["iat"] < answer["exp"] <= answer["iat"] + settings.FIRMID_REFRESH_ABSOLUTE_SECONDS


def test_access_token_answer_names_the_user_by_sub_not_by_username(tokens, registration, alice) -> None:
    answer = _introspect(registration, tokens["access_token"], token_type_hint="refresh_token")  # a wrong hint
    assert answer["active"] is True and set(answer) == ANSWER_KEYS
    assert answer["sub"] == str(alice.public_id) and answer["token_type"] == "Bearer"
    assert alice.email not in str(answer)  # no username, no email: applications key on sub
    assert answer["exp"] - answer["iat"] == settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"]


def test_rotated_refresh_token_introspects_inactive(tokens, registration) -> None:
    renewed = tokens_ok(refresh(registration, tokens["refresh_token"]))
    assert _introspect(registration, tokens["refresh_token"]) == {"active": False}
    assert _introspect(registration, renewed["refresh_token"])["active"] is True


def test_revoked_refresh_token_introspects_inactive(tokens, registration) -> None:
    auth = basic(registration.application.client_id, registration.client_secret)
    Client().post(
        REVOKE, {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}, HTTP_AUTHORIZATION=auth
    )
    assert _introspect(registration, tokens["refresh_token"]) == {"active": False}


def test_expired_refresh_token_introspects_inactive(tokens, registration, frozen_clock) -> None:
    later = timezone.now() + timedelta(seconds=settings.FIRMID_REFRESH_ABSOLUTE_SECONDS + 1)
    frozen_clock.advance(settings.FIRMID_REFRESH_ABSOLUTE_SECONDS + 1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert _introspect(registration, tokens["refresh_token"]) == {"active": False}
        assert _introspect(registration, tokens["access_token"]) == {"active": False}
        assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"  # the same truth


def test_tokens_of_a_disabled_user_introspect_inactive(tokens, registration, alice) -> None:
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)
    assert _introspect(registration, tokens["refresh_token"]) == {"active": False}
    assert _introspect(registration, tokens["access_token"]) == {"active": False}


def test_refresh_token_of_another_client_is_inactive_for_the_caller(tokens, registration) -> None:
    other = application_register(actor=None, name="Other", home_url="http://127.0.0.1:9999/", redirect_uris=[REDIRECT])
    assert _introspect(other, tokens["refresh_token"]) == {"active": False}
    assert _introspect(other, tokens["access_token"]) == {"active": False}


def test_public_client_cannot_introspect(client, alice, password) -> None:
    spa = application_register(
        actor=None,
        name="SPA",
        home_url="http://127.0.0.1:9999/",
        redirect_uris=[REDIRECT],
        confidential=False,
    )
    sign_in(client, alice.email, password)
    request = auth_request(spa)
    own = tokens_ok(exchange(spa, code_of(client.get(request.url), request), request.verifier, auth="none"))
    client_id = spa.application.client_id
    # RFC 7662 2.1: introspection needs client authentication, which a public client has none of.
    for data, headers in (
        ({"client_id": client_id}, {}),
        ({"client_id": client_id, "client_secret": ""}, {}),
        ({}, {"HTTP_AUTHORIZATION": basic(client_id, "")}),
    ):
        response = Client().post(INTROSPECT, {"token": own["access_token"], **data}, **headers)
        assert oauth_error(response, status=401) == "invalid_client", (data, headers)
        assert response["WWW-Authenticate"].startswith("Basic")
        assert b"active" not in response.content


def test_basic_and_form_credentials_of_two_clients_are_refused(tokens, registration) -> None:
    # RFC 6749 2.3.1: one authentication method per request; a wrong Basic pair for one
    # client and a right form pair for another must not mix into an identity.
    other = application_register(actor=None, name="Other", home_url="http://127.0.0.1:9999/", redirect_uris=[REDIRECT])
    data = {
        "token": tokens["access_token"],
        "client_id": other.application.client_id,
        "client_secret": other.client_secret,
    }
    wrong = basic(registration.application.client_id, "wrong")
    response = Client().post(INTROSPECT, data, HTTP_AUTHORIZATION=wrong)
    assert oauth_error(response, status=401) == "invalid_client"


def test_client_secret_post_may_introspect_and_the_answer_is_not_stored(tokens, registration) -> None:
    data = {
        "token": tokens["refresh_token"],
        "client_id": registration.application.client_id,
        "client_secret": registration.client_secret,
    }
    response = Client().post(INTROSPECT, data)
    assert response.json()["active"] is True and response["Cache-Control"] == "no-store"
