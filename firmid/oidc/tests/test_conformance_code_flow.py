"""OpenID Foundation Basic OP modules on the authorization code flow: authorization and token requests.

OIDC Core 3.1, RFC 6749 4.1 and 10, RFC 7636 (PKCE), RFC 9207 (iss), RFC 9700 2.1 and 4.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.utils import timezone

from firmid.oidc.models import Grant
from firmid.oidc.services import application_register
from firmid.testing.codes import tampered
from firmid.testing.oidc import (
    AUTHORIZE,
    REDIRECT,
    USERINFO,
    auth_request,
    code_of,
    error_of,
    exchange,
    goes_to_login,
    issuer,
    oauth_error,
    redirect_params,
    refresh,
    token_post,
    tokens_ok,
    verify_id_token,
)
from firmid.testing.signin import sign_in


@pytest.fixture
def signed_in(client, alice, password):
    """The user agent, with alice signed in (password only)."""
    response = sign_in(client, alice.email, password)
    assert response.status_code == 302
    return client


def _code(client: Client, registration, **params: str):
    request = auth_request(registration, **params)
    return request, code_of(client.get(request.url), request)


# Basic flow -------------------------------------------------------------------------------


def test_oidcc_server(client, alice, password, registration) -> None:
    request = auth_request(registration)
    assert goes_to_login(client.get(request.url))  # not signed in: the sign-in page, no code
    assert sign_in(client, alice.email, password, request.url)["Location"] == request.url
    response = client.get(request.url)
    params = redirect_params(response, request)
    assert set(params) == {"code", "state", "iss"} and params["iss"] == issuer()
    tokens = tokens_ok(exchange(registration, params["code"], request.verifier))
    assert tokens["scope"] == "openid" and tokens["refresh_token"]
    token = verify_id_token(
        tokens["id_token"], registration=registration, nonce=request.nonce, access_token=tokens["access_token"]
    )
    claims = token.claims
    assert "at_hash" in claims  # checked against the access token by verify_id_token
    assert claims["sub"] == str(alice.public_id)
    assert claims["amr"] == ["pwd"] and claims["acr"] == "urn:firmid:acr:pwd"
    assert {"email", "name"}.isdisjoint(claims)  # scope openid: no profile or email claims


def test_oidcc_server_client_secret_post(signed_in, registration) -> None:
    request, code = _code(signed_in, registration)
    tokens = tokens_ok(exchange(registration, code, request.verifier, auth="post"))
    verify_id_token(tokens["id_token"], registration=registration, nonce=request.nonce)


def test_public_client_uses_pkce_without_a_secret(signed_in, db) -> None:
    public = application_register(
        actor=None,
        name="SPA",
        home_url="http://127.0.0.1:9999/",
        redirect_uris=[REDIRECT],
        confidential=False,
    )
    assert public.client_secret is None
    request, code = _code(signed_in, public)
    tokens = tokens_ok(exchange(public, code, request.verifier, auth="none"))
    verify_id_token(tokens["id_token"], registration=public, nonce=request.nonce)


def test_oidcc_response_type_missing(signed_in, registration) -> None:
    request = auth_request(registration, drop=("response_type",))
    assert error_of(signed_in.get(request.url), request) == "invalid_request"


def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(signed_in, registration) -> None:
    request, code = _code(signed_in, registration, drop=("nonce",))
    tokens = tokens_ok(exchange(registration, code, request.verifier))
    assert "nonce" not in verify_id_token(tokens["id_token"], registration=registration, nonce=None).claims


def test_oidcc_ensure_request_with_unknown_parameter_succeeds(signed_in, registration) -> None:
    request, code = _code(signed_in, registration, extra_unknown_param="firmid-ignores-this")
    tokens_ok(exchange(registration, code, request.verifier))


def test_oidcc_ensure_request_with_acr_values_succeeds(signed_in, registration) -> None:
    request, code = _code(signed_in, registration, acr_values="urn:firmid:acr:pwd")
    tokens = tokens_ok(exchange(registration, code, request.verifier))
    assert verify_id_token(tokens["id_token"], registration=registration).claims["acr"] == "urn:firmid:acr:pwd"


def test_oidcc_display_page_and_popup_succeed(signed_in, registration) -> None:
    for display in ("page", "popup"):
        _code(signed_in, registration, display=display)


def test_oidcc_ensure_post_request_succeeds(signed_in, registration) -> None:
    # OIDC Core 3.1.2.1: the authorization endpoint MUST support POST (form-encoded) as well.
    request = auth_request(registration)
    response = Client(enforce_csrf_checks=True, HTTP_COOKIE=signed_in.cookies.output(header="", sep=";")).post(
        AUTHORIZE, request.params
    )
    assert response.status_code == 303 and urlparse(response["Location"]).path == AUTHORIZE
    code = code_of(signed_in.get(response["Location"]), request)
    tokens_ok(exchange(registration, code, request.verifier))


@pytest.mark.parametrize("scope", ["openid email", "email openid"])
def test_oidcc_ensure_other_scope_order_succeeds(signed_in, registration, scope: str) -> None:
    request, code = _code(signed_in, registration, scope=scope)
    tokens = tokens_ok(exchange(registration, code, request.verifier))
    assert set(tokens["scope"].split()) == {"openid", "email"}
    assert verify_id_token(tokens["id_token"], registration=registration).claims["sub"]


def test_unknown_scope_is_invalid_scope(signed_in, registration) -> None:
    request = auth_request(registration, scope="openid address phone")
    assert error_of(signed_in.get(request.url), request) == "invalid_scope"


# Redirect URIs: exact match, and never a redirect to an unregistered one ------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://attacker.example/callback",
        REDIRECT + "/extra",  # path suffix
        REDIRECT + "?x=1",  # added query
        REDIRECT.replace("127.0.0.1", "localhost"),
        REDIRECT.upper(),
        REDIRECT + "#fragment",
    ],
)
def test_oidcc_ensure_registered_redirect_uri(signed_in, registration, redirect_uri: str) -> None:
    request = auth_request(registration, redirect_uri=redirect_uri)
    response = signed_in.get(request.url)
    assert response.status_code == 400 and "Location" not in response  # an error page, no redirect
    assert not Grant.objects.exists()


def test_redirect_uri_port_must_match_exactly_even_on_loopback(signed_in, db) -> None:
    registered = "https://documents.example.test:8443/callback"
    web = application_register(
        actor=None, name="Web", home_url="https://documents.example.test/", redirect_uris=[registered]
    )
    request = auth_request(web, redirect_uri=registered.replace("8443", "8444"))
    assert signed_in.get(request.url).status_code == 400
    # RFC 8252 7.3 lets native apps come back on any loopback port; firmid's applications
    # are web applications, so firmid keeps the exact match of SECURITY.md there too.
    loopback = application_register(actor=None, name="Local", home_url="http://127.0.0.1/", redirect_uris=[REDIRECT])
    request = auth_request(loopback, redirect_uri=REDIRECT.replace("9999", "49152"))
    response = signed_in.get(request.url)
    assert response.status_code == 400 and "Location" not in response


def test_oidcc_ensure_redirect_uri_in_authorization_request(signed_in, registration) -> None:
    # OIDC Core 3.1.2.1: redirect_uri is REQUIRED, even with a single registered one.
    request = auth_request(registration, drop=("redirect_uri",))
    response = signed_in.get(request.url)
    assert response.status_code == 400 and "Location" not in response
    assert not Grant.objects.exists()


# Request objects, implicit and hybrid: not supported, refused as such ---------------------


def test_oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported(signed_in, registration) -> None:
    unsigned = "eyJhbGciOiJub25lIn0.eyJhY3JfdmFsdWVzIjoidXJuOmZpcm1pZDphY3I6bWZhIn0."  # {"alg":"none"}
    request = auth_request(registration, request=unsigned)
    assert error_of(signed_in.get(request.url), request) == "request_not_supported"  # OIDC Core 6.1, 3.1.2.6
    assert not Grant.objects.exists()


def test_request_uri_is_rejected_as_unsupported(signed_in, registration) -> None:
    request = auth_request(registration, request_uri="https://attacker.example/request.jwt")
    assert error_of(signed_in.get(request.url), request) == "request_uri_not_supported"


@pytest.mark.parametrize("response_type", ["token", "id_token", "id_token token", "code id_token", "code token"])
def test_no_implicit_or_hybrid_response_type(signed_in, registration, response_type: str) -> None:
    # RFC 9700 2.1.2: no implicit grant; RFC 6749 4.1.2.1 names the error.
    request = auth_request(registration, response_type=response_type)
    response = signed_in.get(request.url)
    assert error_of(response, request) == "unsupported_response_type"
    assert "access_token" not in response["Location"] and "id_token=" not in response["Location"]


# PKCE (RFC 7636, RFC 9700 2.1.1) ------------------------------------------------------------


def test_oidcc_ensure_pkce_required(signed_in, registration) -> None:
    request = auth_request(registration, drop=("code_challenge", "code_challenge_method"))
    assert error_of(signed_in.get(request.url), request) == "invalid_request"
    assert not Grant.objects.exists()


@pytest.mark.parametrize("method", ["plain", None, "S512"])
def test_pkce_only_s256(signed_in, registration, method: str | None) -> None:
    request = auth_request(registration, code_challenge_method=method or "")
    if method is None:
        request = auth_request(registration, drop=("code_challenge_method",))  # defaults to plain: refused
    assert error_of(signed_in.get(request.url), request) == "invalid_request"


def test_pkce_missing_code_verifier_is_refused(signed_in, registration) -> None:
    _, code = _code(signed_in, registration)
    assert oauth_error(exchange(registration, code, None)) in ("invalid_request", "invalid_grant")


def test_pkce_wrong_code_verifier_is_invalid_grant(signed_in, registration) -> None:
    request, code = _code(signed_in, registration)
    assert oauth_error(exchange(registration, code, tampered(request.verifier))) == "invalid_grant"
    # The attempt used the code up: the right verifier no longer gets tokens from it.
    assert oauth_error(exchange(registration, code, request.verifier)) == "invalid_grant"


# Codes: once, briefly, for the client and redirect URI they were issued to ------------------


def test_oidcc_codereuse(signed_in, registration) -> None:
    request, code = _code(signed_in, registration)
    first = tokens_ok(exchange(registration, code, request.verifier))
    assert oauth_error(exchange(registration, code, request.verifier)) == "invalid_grant"
    # RFC 6749 4.1.2: the tokens issued on the code SHOULD be revoked.
    assert Client().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {first['access_token']}").status_code == 401
    assert oauth_error(refresh(registration, first["refresh_token"])) == "invalid_grant"


def test_oidcc_codereuse_30seconds(signed_in, registration, frozen_clock) -> None:
    request, code = _code(signed_in, registration)
    first = tokens_ok(exchange(registration, code, request.verifier))
    later = timezone.now() + timedelta(seconds=30)
    frozen_clock.advance(30)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert oauth_error(exchange(registration, code, request.verifier)) == "invalid_grant"
        # Thirty seconds on, the first access token would still be live: it was revoked.
        assert Client().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {first['access_token']}").status_code == 401


def test_code_lives_at_most_ten_minutes(signed_in, registration) -> None:
    request, code = _code(signed_in, registration)
    grant = Grant.objects.get()
    assert grant.expires - grant.created <= timedelta(minutes=10)  # ASVS 10.4.2 / RFC 6749 4.1.2
    with mock.patch("django.utils.timezone.now", return_value=grant.expires + timedelta(seconds=1)):
        assert oauth_error(exchange(registration, code, request.verifier)) == "invalid_grant"


def test_expired_code_is_invalid_grant(signed_in, registration) -> None:
    request, code = _code(signed_in, registration)
    Grant.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert oauth_error(exchange(registration, code, request.verifier)) == "invalid_grant"


def test_code_of_another_client_is_invalid_grant(signed_in, registration) -> None:
    other = application_register(actor=None, name="Other", home_url="http://127.0.0.1:9999/", redirect_uris=[REDIRECT])
    request, code = _code(signed_in, registration)
    assert oauth_error(exchange(other, code, request.verifier)) == "invalid_grant"


def test_redirect_uri_must_match_at_the_token_endpoint(signed_in, registration) -> None:
    request, code = _code(signed_in, registration)
    wrong = exchange(registration, code, request.verifier, redirect_uri=REDIRECT + "/other")
    assert oauth_error(wrong) in ("invalid_request", "invalid_grant")
    request, code = _code(signed_in, registration)
    data = {"grant_type": "authorization_code", "code": code, "code_verifier": request.verifier}
    assert oauth_error(token_post(data, registration=registration)) in ("invalid_request", "invalid_grant")


# No password grant, no client credentials (RFC 9700 2.4) ------------------------------------


def test_no_password_grant_and_no_password_oracle(alice, password, registration) -> None:
    for guess in (password, "wrong-password"):
        data = {"grant_type": "password", "username": alice.email, "password": guess, "scope": "openid"}
        # The same answer whether the password is right or not: nothing is checked.
        assert oauth_error(token_post(data, registration=registration)) == "unsupported_grant_type"


def test_no_client_credentials_grant(registration) -> None:
    response = token_post({"grant_type": "client_credentials"}, registration=registration)
    assert oauth_error(response) == "unsupported_grant_type"


def test_codes_are_distinct_and_long(signed_in, registration) -> None:
    codes = {_code(signed_in, registration)[1] for _ in range(3)}
    assert len(codes) == 3 and all(len(code) >= 30 for code in codes)  # 30 random characters: ~178 bits


def test_state_is_echoed_exactly(signed_in, registration) -> None:
    state = "a b+c/d?e=f&g%h\u00e9"
    request = auth_request(registration, state=state)
    assert redirect_params(signed_in.get(request.url), request)["state"] == state
