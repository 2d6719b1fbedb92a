"""CORS of the token, userinfo and revocation endpoints: each application's own origins, nobody else.

A single-page application (a public client in a browser) calls these endpoints by fetch;
the browser lets it read an answer only if the answer names its origin in
Access-Control-Allow-Origin. The attacks: a page of an origin nobody registered, or of an
origin another application registered, reading tokens, claims or a revocation's answer; a
lookalike origin; CORS leaking onto firmid's other pages. The whole flow in a real browser
is tests/clients/test_single_page_client.py.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from firmid.oidc import cors
from firmid.oidc.services import application_register
from firmid.testing.oidc import (
    DISCOVERY,
    JWKS,
    REDIRECT,
    REVOKE,
    TOKEN,
    USERINFO,
    auth_request,
    code_of,
    token_post,
    tokens_ok,
)
from firmid.testing.signin import sign_in

SPA = "http://127.0.0.1:5173"
OTHER_SPA = "https://other-spa.example.test"
EVIL = "https://evil.example.test"
ACAO = "Access-Control-Allow-Origin"
ENDPOINTS = (TOKEN, USERINFO, REVOKE)


@pytest.fixture
def spa(db):
    """A public client (PKCE, no secret) that registered its origin."""
    return application_register(
        actor=None,
        name="Single page",
        home_url=f"{SPA}/",
        redirect_uris=[REDIRECT],
        confidential=False,
        allowed_origins=[SPA],
    )


@pytest.fixture
def other_spa(db):
    return application_register(
        actor=None,
        name="Other single page",
        home_url=f"{OTHER_SPA}/",
        redirect_uris=[REDIRECT],
        confidential=False,
        allowed_origins=[OTHER_SPA],
    )


@pytest.fixture
def tokens(client: Client, spa, alice, password) -> dict:
    """The SPA's tokens for alice, from its code exchanged as a browser would send it (with its Origin)."""
    request = auth_request(spa)
    assert sign_in(client, alice.email, password).status_code == 302
    code = code_of(client.get(request.url), request)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": request.verifier,
    }
    response = token_post(data, registration=spa, auth="none", HTTP_ORIGIN=SPA)
    assert response[ACAO] == SPA
    return tokens_ok(response)


def preflight(path: str, origin: str, headers: str = "authorization, content-type"):
    return Client().options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def userinfo(access_token: str, origin: str):
    return Client().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {access_token}", HTTP_ORIGIN=origin)


def revoke(spa, token: str, origin: str):
    data = {"token": token, "token_type_hint": "refresh_token", "client_id": spa.application.client_id}
    return Client().post(REVOKE, data, HTTP_ORIGIN=origin)


def assert_no_grant(response) -> None:
    assert ACAO not in response, response.headers
    assert "Access-Control-Allow-Credentials" not in response
    assert "origin" in response.get("Vary", "").lower()  # a cache must not serve it to another origin


# --- the registered origin ------------------------------------------------------------------


@pytest.mark.parametrize("path", ENDPOINTS)
def test_preflight_from_registered_origin_is_answered_with_exactly_that_origin(spa, path: str) -> None:
    response = preflight(path, SPA)
    assert response.status_code == 200
    assert response[ACAO] == SPA  # never "*", never another origin
    assert {"GET", "POST"} <= {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    allowed = {h.strip().lower() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert int(response["Access-Control-Max-Age"]) > 0
    assert "origin" in response["Vary"].lower()
    assert "Access-Control-Allow-Credentials" not in response  # no cookie is ever read cross-origin


def test_single_page_client_reads_its_token_userinfo_and_revocation_answers(spa, tokens: dict) -> None:
    claims = userinfo(tokens["access_token"], SPA)
    assert claims.status_code == 200 and claims[ACAO] == SPA and "origin" in claims["Vary"].lower()
    renewed = token_post(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        registration=spa,
        auth="none",
        HTTP_ORIGIN=SPA,
    )
    assert renewed[ACAO] == SPA
    revoked = revoke(spa, tokens_ok(renewed)["refresh_token"], SPA)
    assert revoked.status_code == 200 and revoked[ACAO] == SPA
    assert "Access-Control-Allow-Credentials" not in revoked


def test_single_page_client_reads_its_errors_and_the_userinfo_challenge(spa, tokens: dict) -> None:
    # An error is an answer the application must read to react (sign in again, refresh).
    spent = token_post(
        {"grant_type": "authorization_code", "code": "forged", "redirect_uri": REDIRECT, "code_verifier": "x" * 43},
        registration=spa,
        auth="none",
        HTTP_ORIGIN=SPA,
    )
    assert spent.status_code == 400 and spent[ACAO] == SPA
    unknown = userinfo("no-such-token", SPA)
    assert unknown.status_code == 401 and unknown[ACAO] == SPA
    assert "www-authenticate" in unknown["Access-Control-Expose-Headers"].lower()


# --- every other origin ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ENDPOINTS)
def test_unregistered_origin_gets_no_cors_grant_on_preflight(spa, path: str) -> None:
    assert_no_grant(preflight(path, EVIL))


def test_unregistered_origin_gets_no_cors_grant_on_tokens_claims_or_revocation(spa, tokens: dict) -> None:
    assert_no_grant(userinfo(tokens["access_token"], EVIL))
    assert_no_grant(
        token_post(
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            registration=spa,
            auth="none",
            HTTP_ORIGIN=EVIL,
        )
    )
    assert_no_grant(revoke(spa, "whatever", EVIL))


def test_origin_registered_by_another_application_cannot_read_this_ones_answers(spa, other_spa, tokens: dict) -> None:
    # OTHER_SPA is a registered origin, so its preflight is answered; the answers that name
    # the first application (its client id, its token) are not readable from it.
    assert preflight(USERINFO, OTHER_SPA)[ACAO] == OTHER_SPA
    assert_no_grant(userinfo(tokens["access_token"], OTHER_SPA))
    assert_no_grant(
        token_post(
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            registration=spa,
            auth="none",
            HTTP_ORIGIN=OTHER_SPA,
        )
    )
    assert_no_grant(revoke(spa, tokens["refresh_token"], OTHER_SPA))


@pytest.mark.parametrize(
    "lookalike",
    [
        "http://127.0.0.1:5174",
        "https://127.0.0.1:5173",
        "http://127.0.0.1",
        "http://127.0.0.1:5173/",
        "http://127.0.0.1:5173.evil.test",
        "http://localhost:5173",
        "null",
        f"{SPA} {EVIL}",
        "*",
    ],
)
def test_lookalike_of_a_registered_origin_gets_no_cors_grant(spa, tokens: dict, lookalike: str) -> None:
    assert_no_grant(preflight(USERINFO, lookalike))
    assert_no_grant(userinfo(tokens["access_token"], lookalike))


@pytest.mark.parametrize(
    "path",
    [
        "/oauth/introspect/",
        "/oauth/authorize/",
        "/oauth/logout/",
        "/accounts/login/",
        "/administration/",
        "/api/v1/firms/",
        "/my-account/",
    ],
)
def test_registered_origin_gets_no_cors_grant_outside_the_three_endpoints(spa, path: str) -> None:
    response = preflight(path, SPA)
    assert ACAO not in response and "Access-Control-Allow-Methods" not in response
    assert ACAO not in Client().get(path, HTTP_ORIGIN=SPA)


@pytest.mark.parametrize("path", [DISCOVERY, JWKS])
def test_discovery_and_jwks_stay_readable_from_any_origin(db, path: str) -> None:
    response = Client().get(path, HTTP_ORIGIN=EVIL)
    assert response.status_code == 200 and response[ACAO] == "*"
    assert "Access-Control-Allow-Credentials" not in response


def test_cors_paths_are_exactly_the_token_userinfo_and_revocation_endpoints() -> None:
    # CORS_URLS_REGEX and the receiver name paths: a renamed route must not lose (or widen) CORS.
    names = {"token": TOKEN, "revoke-token": REVOKE, "user-info": USERINFO}
    for name, path in names.items():
        assert reverse(f"oauth2_provider:{name}") == path
        assert re.match(settings.CORS_URLS_REGEX, path)
    assert cors.USERINFO == USERINFO
    for other in ("introspect", "authorize", "rp-initiated-logout", "oidc-connect-discovery-info", "jwks-info"):
        assert not re.match(settings.CORS_URLS_REGEX, reverse(f"oauth2_provider:{other}"))
