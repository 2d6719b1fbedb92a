"""Bad input on every endpoint of the provider: the OAuth error the RFC names, or a clean 4xx, never a 500.

Django's test client re-raises a view's exception: a 500 fails these tests with its traceback.
"""

from __future__ import annotations

import base64
from urllib.parse import quote, urlencode, urlparse

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from firmid.oidc.models import Grant
from firmid.oidc.services import application_register
from firmid.testing.oidc import (
    AUTHORIZE,
    DISCOVERY,
    INTROSPECT,
    JWKS,
    LOGOUT,
    REDIRECT,
    REVOKE,
    TOKEN,
    USERINFO,
    auth_request,
    basic,
    error_of,
    oauth_error,
    token_post,
)
from firmid.testing.signin import sign_in, sign_in_as

FUZZ = hypothesis_settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)


@pytest.fixture
def signed_in(client, alice, password):
    sign_in(client, alice.email, password)
    return client


@pytest.fixture
def public(db):
    return application_register(
        actor=None,
        name="SPA",
        home_url="http://127.0.0.1:9999/",
        redirect_uris=[REDIRECT],
        confidential=False,
    )


def _no_redirect_to(response, host: str = "attacker.example") -> None:
    assert host not in response.get("Location", "")


# Authorization endpoint ------------------------------------------------------------------


def test_authorize_unknown_client_is_an_error_page_not_a_redirect(signed_in, registration) -> None:
    for client_id in ("unknown-client", "", "%FF", "x" * 300):
        request = auth_request(registration, client_id=client_id)
        response = signed_in.get(request.url)
        assert response.status_code == 400 and "Location" not in response, client_id


def test_authorize_redirect_uri_mismatch_is_an_error_page(signed_in, registration) -> None:
    for uri in ("https://attacker.example/cb", "javascript:alert(1)", "http://127.0.0.1:9999/callback/../evil", "//x"):
        response = signed_in.get(auth_request(registration, redirect_uri=uri).url)
        assert response.status_code == 400 and "Location" not in response, uri


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"max_age": "abc"}, "invalid_request"),
        ({"max_age": "-1"}, "invalid_request"),
        ({"max_age": "9" * 5000}, "invalid_request"),  # int() of 5000 digits raises: was a 500
        ({"max_age": "1.5"}, "invalid_request"),
        ({"prompt": "bogus"}, "invalid_request"),
        ({"prompt": "none login"}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"code_challenge": "a" * 129}, "invalid_request"),  # the grant keeps 128: was a 500 on PostgreSQL
        ({"code_challenge": "é" * 43}, "invalid_request"),
        ({"nonce": "n" * 256}, "invalid_request"),  # the grant keeps 255: was a 500 on PostgreSQL
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": "bogus"}, "invalid_request"),
        ({"scope": "openid " + "x" * 2000}, "invalid_scope"),
        ({"response_type": "bogus"}, "unsupported_response_type"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"resource": "not a uri"}, "invalid_target"),
        ({"request": "x.y.z"}, "request_not_supported"),
        ({"request_uri": "urn:x"}, "request_uri_not_supported"),
    ],
)
def test_authorize_malformed_parameter_gets_the_named_error(signed_in, registration, params: dict, error: str) -> None:
    request = auth_request(registration, **params)
    assert error_of(signed_in.get(request.url), request) == error
    assert not Grant.objects.exists()


@pytest.mark.parametrize("name", ["nonce", "prompt", "max_age", "acr_values", "code_challenge", "login_hint"])
def test_authorize_repeated_parameter_is_invalid_request(signed_in, registration, name: str) -> None:
    request = auth_request(registration, **{name: "1"} if name not in ("nonce", "code_challenge") else {})
    request.extra_query = urlencode({name: "2"})
    assert error_of(signed_in.get(request.url), request) == "invalid_request"


@pytest.mark.parametrize("name", ["client_id", "redirect_uri", "response_type", "state", "scope"])
def test_authorize_repeated_core_parameter_is_refused_without_redirect(signed_in, registration, name: str) -> None:
    request = auth_request(registration)
    request.extra_query = urlencode({name: "https://attacker.example/cb" if name == "redirect_uri" else "x"})
    response = signed_in.get(request.url)
    assert response.status_code == 400 and "Location" not in response


@pytest.mark.parametrize(
    "params", [{"state": "s" * 100_000}, {"scope": "openid " + "x" * 10_000}, {"nonce": "n" * 10_000}]
)
def test_authorize_oversized_request_is_414(signed_in, client, registration, params: dict) -> None:
    request = auth_request(registration, **params)
    for user_agent in (signed_in, Client()):
        response = user_agent.get(request.url)
        assert response.status_code == 414 and "Location" not in response  # the state is not echoed
        assert user_agent.post(AUTHORIZE, request.params).status_code == 414


def test_authorize_non_utf8_and_control_bytes(signed_in, registration) -> None:
    request = auth_request(registration)
    response = signed_in.get(request.url.replace("state=", "state=%FF%FE"))
    assert response.status_code == 302  # undecodable bytes become U+FFFD, echoed like any state
    for name in ("state", "scope", "client_id"):
        # NUL is refused before any view (PostgreSQL cannot store it): no redirect at all.
        response = signed_in.get(request.url.replace(f"{name}=", f"{name}=%00"))
        assert response.status_code == 400 and "Location" not in response
    response = signed_in.get(request.url.replace("client_id=", "client_id=%FF"))
    assert response.status_code == 400 and "Location" not in response


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_authorize_other_methods_are_405(signed_in, registration, method: str) -> None:
    assert getattr(signed_in, method)(auth_request(registration).url).status_code == 405


# Token endpoint ----------------------------------------------------------------------------


def _form(body: bytes, **headers: str):
    return _post(TOKEN, body, **headers)


def _post(endpoint: str, body: bytes, **headers: str):
    client = Client(raise_request_exception=False)
    return client.post(endpoint, body, content_type="application/x-www-form-urlencoded", **headers)


def test_token_unknown_client_and_wrong_secret_are_401_invalid_client(registration, public) -> None:
    client_id = registration.application.client_id
    data = {"grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT, "code_verifier": "v" * 43}
    for headers, extra in [
        ({"HTTP_AUTHORIZATION": basic("unknown-client", "secret")}, {}),
        ({"HTTP_AUTHORIZATION": basic(client_id, "wrong-secret")}, {}),
        ({"HTTP_AUTHORIZATION": basic(client_id, "")}, {}),
        ({}, {"client_id": client_id, "client_secret": "wrong-secret"}),
        ({}, {"client_id": client_id}),  # a confidential client without its secret
        ({}, {"client_id": "unknown-client"}),
        ({}, {}),
        ({"HTTP_AUTHORIZATION": "Basic !!!not-base64"}, {}),
        ({"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"no-colon").decode()}, {}),
        ({"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()}, {}),
        ({"HTTP_AUTHORIZATION": "Bearer something"}, {}),
        ({}, {"client_id": "c" * 100_000, "client_secret": "s"}),
    ]:
        response = Client().post(TOKEN, {**data, **extra}, **headers)
        assert oauth_error(response, status=401) == "invalid_client", (headers, list(extra))
    # A public client has no secret: presenting a made-up one does not make it confidential.
    assert oauth_error(token_post(data, registration=public, auth="none")) == "invalid_grant"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"grant_type": "authorization_code", "code": "forged", "redirect_uri": REDIRECT, "code_verifier": "v" * 43},
            {"invalid_grant"},
        ),
        (
            {
                "grant_type": "authorization_code",
                "code": "x" * 100_000,
                "redirect_uri": REDIRECT,
                "code_verifier": "v" * 43,
            },
            {"invalid_grant"},
        ),
        (
            {"grant_type": "authorization_code", "code": "\x00", "redirect_uri": REDIRECT, "code_verifier": "v" * 43},
            {"invalid_request"},
        ),  # NUL: was a 500 on PostgreSQL
        (
            {"grant_type": "authorization_code", "redirect_uri": REDIRECT, "code_verifier": "v" * 43},
            {"invalid_request"},
        ),
        ({"grant_type": "refresh_token"}, {"invalid_request"}),
        ({"grant_type": "refresh_token", "refresh_token": "forged"}, {"invalid_grant"}),
        ({"grant_type": "refresh_token", "refresh_token": "r" * 100_000}, {"invalid_grant"}),
        ({"grant_type": "password", "username": "a@b.test", "password": "x"}, {"unsupported_grant_type"}),
        ({"grant_type": "client_credentials"}, {"unsupported_grant_type"}),
        ({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "x"}, {"unsupported_grant_type"}),
        ({"grant_type": "implicit"}, {"unsupported_grant_type"}),
        ({"grant_type": ""}, {"unsupported_grant_type", "invalid_request"}),
        ({}, {"unsupported_grant_type", "invalid_request"}),
    ],
)
def test_token_bad_requests_get_the_named_error(registration, data: dict, errors: set) -> None:
    assert oauth_error(token_post(data, registration=registration)) in errors


def test_token_expired_code_is_invalid_grant(signed_in, registration) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from firmid.testing.oidc import code_of, exchange

    request = auth_request(registration)
    code = code_of(signed_in.get(request.url), request)
    Grant.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert oauth_error(exchange(registration, code, request.verifier)) == "invalid_grant"


def test_token_malformed_bodies(registration) -> None:
    auth = {"HTTP_AUTHORIZATION": basic(registration.application.client_id, registration.client_secret)}
    assert oauth_error(_form(b"grant_type=authorization_code&grant_type=refresh_token&code=x", **auth)) == (
        "invalid_request"  # RFC 6749 3.2: parameters MUST NOT be repeated
    )
    # RFC 6749 Appendix B: UTF-8 (Django turned these bytes into U+FFFD and went on).
    assert oauth_error(_form(b"grant_type=\xff\xfe&code=\xff", **auth)) == "invalid_request"
    assert oauth_error(_form(b"grant_type=authorization_code&code=%FF%FE&redirect_uri=x", **auth)) == "invalid_request"
    assert oauth_error(_form(b"%%%&&&===", **auth)) in ("invalid_request", "unsupported_grant_type")
    as_json = Client().post(TOKEN, {"grant_type": "authorization_code"}, content_type="application/json", **auth)
    assert oauth_error(as_json) in ("invalid_request", "unsupported_grant_type")  # form-encoded only


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_token_other_methods_are_405(db, method: str) -> None:
    assert getattr(Client(), method)(TOKEN).status_code == 405


def _json_invalid_request(response) -> None:
    """A JSON invalid_request that no cache keeps (never Django's HTML 400 page)."""
    assert oauth_error(response) == "invalid_request", response.content[:200]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("endpoint", [TOKEN, REVOKE])
def test_oversized_token_request_is_a_json_invalid_request(registration, settings, endpoint: str) -> None:
    # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE where it is first read (a
    # middleware), before any view: it was an HTML page.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200_000
    auth = {"HTTP_AUTHORIZATION": basic(registration.application.client_id, registration.client_secret)}
    big = b"grant_type=refresh_token&token=x&refresh_token=" + b"r" * 200_001
    _json_invalid_request(_post(endpoint, big, **auth))
    assert (
        Client().post(endpoint, {"token": "x", "refresh_token": "r" * 200_001}, **auth).status_code == 400
    )  # multipart


@pytest.mark.parametrize("endpoint", [TOKEN, REVOKE])
def test_token_request_with_too_many_fields_is_a_json_invalid_request(registration, endpoint: str) -> None:
    fields = b"&".join(b"p%d=1" % i for i in range(1100))  # DATA_UPLOAD_MAX_NUMBER_FIELDS: 1000
    _json_invalid_request(_post(endpoint, b"grant_type=refresh_token&" + fields))


@pytest.mark.parametrize("endpoint", [TOKEN, REVOKE])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"grant_type": "refresh_token", "refresh_token": "x", "token": "x"}', "application/json"),
        (b"grant_type=refresh_token&refresh_token=x&token=x", "text/plain"),
        (b"grant_type=refresh_token&refresh_token=x&token=x", ""),
        (b"grant_type=refresh_token&refresh_token=\xff&token=\xff", "application/x-www-form-urlencoded"),
        (b"grant_type=refresh_token&refresh_token=%C3%28&token=%C3%28", "application/x-www-form-urlencoded"),
        (
            b"grant_type=refresh_token&refresh_token=x&refresh_token=y&token=x&token=y",
            "application/x-www-form-urlencoded",
        ),
        (b"--b\r\nbroken", "multipart/form-data; boundary=b"),
    ],
)
def test_malformed_token_request_body_is_a_json_invalid_request(
    registration, body: bytes, content_type: str, endpoint: str
) -> None:
    auth = {"HTTP_AUTHORIZATION": basic(registration.application.client_id, registration.client_secret)}
    _json_invalid_request(Client().post(endpoint, body, content_type=content_type, **auth))


@pytest.mark.parametrize("name", ["code", "redirect_uri", "code_verifier", "client_id", "client_secret", "scope"])
def test_token_request_with_a_repeated_parameter_is_invalid_request(registration, name: str) -> None:
    # RFC 6749 3.2: "Request and response parameters MUST NOT be included more than once."
    form = [
        ("grant_type", "authorization_code"),
        ("code", "x"),
        ("redirect_uri", REDIRECT),
        ("code_verifier", "v" * 43),
        ("client_id", registration.application.client_id),
        ("client_secret", registration.client_secret),
        ("scope", "openid"),
    ]
    form.append((name, "2"))
    _json_invalid_request(_form(urlencode(form).encode()))


def test_token_request_with_a_file_is_invalid_request(registration) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    auth = {"HTTP_AUTHORIZATION": basic(registration.application.client_id, registration.client_secret)}
    data = {"grant_type": "refresh_token", "refresh_token": SimpleUploadedFile("r.txt", b"x" * 1000)}
    _json_invalid_request(Client().post(TOKEN, data, **auth))


def test_oversized_userinfo_post_is_json(db, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _post(USERINFO, b"access_token=" + b"t" * 2000)
    assert response.status_code == 400 and response["Content-Type"] == "application/json"


# UserInfo, revocation, introspection, logout, discovery, JWKS ----------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Bearer not-a-token",
        "Bearer " + "t" * 100_000,
        "Bearer \u00e9\u00e9",
        "Basic Zm9vOmJhcg==",
        "Bearer a b c",
        "DPoP token",
    ],
)
def test_userinfo_bad_tokens_are_401_with_a_challenge(db, authorization: str) -> None:
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    for method in ("get", "post"):
        response = getattr(Client(), method)(USERINFO, **headers)
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


def test_userinfo_other_methods_are_405(db) -> None:
    for method in ("put", "patch", "delete"):
        assert getattr(Client(), method)(USERINFO).status_code == 405


def test_revocation_bad_input(registration) -> None:
    auth = {"HTTP_AUTHORIZATION": basic(registration.application.client_id, registration.client_secret)}
    assert oauth_error(Client().post(REVOKE, {}, **auth)) == "invalid_request"  # no token
    for data in ({"token": "t" * 100_000}, {"token": "x", "token_type_hint": "bogus"}):
        assert Client().post(REVOKE, data, **auth).status_code == 200  # RFC 7009 2.2
    assert oauth_error(Client().post(REVOKE, {"token": "\x00"}, **auth)) == "invalid_request"
    not_utf8 = Client().post(REVOKE, b"token=%FF", content_type="application/x-www-form-urlencoded", **auth)
    assert oauth_error(not_utf8) == "invalid_request"  # RFC 6749 Appendix B (was 200: U+FFFD, no such token)
    bad = {"HTTP_AUTHORIZATION": basic(registration.application.client_id, "wrong")}
    assert oauth_error(Client().post(REVOKE, {"token": "x"}, **bad), status=401) == "invalid_client"
    assert Client().get(REVOKE, {"token": "x"}, **auth).status_code == 405


def test_introspection_bad_input(registration) -> None:
    auth = {"HTTP_AUTHORIZATION": basic(registration.application.client_id, registration.client_secret)}
    assert oauth_error(Client().post(INTROSPECT, {}, **auth)) == "invalid_request"
    assert Client().post(INTROSPECT, {"token": "t" * 100_000}, **auth).json() == {"active": False}
    assert oauth_error(Client().post(INTROSPECT, {"token": "\x00"}, **auth)) == "invalid_request"
    assert oauth_error(Client().post(INTROSPECT, {"token": "x"}), status=401) == "invalid_client"
    assert Client().get(INTROSPECT, {"token": "x"}, **auth).status_code == 405  # RFC 7662 2.1: POST


@pytest.mark.parametrize(
    "params",
    [
        {"id_token_hint": "junk"},
        {"id_token_hint": "a." * 5000},
        {"id_token_hint": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."},  # alg none
        {"client_id": "unknown-client", "post_logout_redirect_uri": REDIRECT},  # was a 500 (DoesNotExist)
        {"post_logout_redirect_uri": "https://attacker.example/"},
    ],
)
def test_logout_bad_input_is_an_error_page_without_redirect(signed_in, registration, params: dict) -> None:
    for method in ("get", "post"):
        response = getattr(signed_in, method)(LOGOUT, params)
        assert response.status_code == 400 and "Location" not in response, (method, params)


def test_logout_to_an_unregistered_uri_of_a_known_client_is_refused(signed_in, registration) -> None:
    params = {"client_id": registration.application.client_id, "post_logout_redirect_uri": "https://attacker.example/"}
    response = signed_in.get(LOGOUT, params)
    assert response.status_code == 400
    _no_redirect_to(response)


def test_discovery_and_jwks_read_only(db) -> None:
    for path in (DISCOVERY, JWKS):
        for method in ("post", "put", "delete"):
            assert getattr(Client(), method)(path).status_code == 405
        assert Client().get(path + "?x=%FF&x=1").status_code == 200


# Fuzzing ------------------------------------------------------------------------------------

KEYS = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "acr_values",
    "login_hint",
    "id_token_hint",
    "request",
    "request_uri",
    "claims",
    "display",
    "ui_locales",
    "resource",
    "response_mode",
    "registration",
]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
VALUES = st.one_of(
    TEXT,
    st.sampled_from(["code", "none", "login", "openid", "S256", "plain", "0", "-1", "1e9", "token", "{}", "null"]),
)
PAIRS = st.lists(st.tuples(st.one_of(st.sampled_from(KEYS), TEXT), VALUES), max_size=8)
RAW = st.binary(max_size=120).map(lambda raw: quote(raw, safe="=&"))


@FUZZ
@given(pairs=PAIRS, raw=RAW, base=st.booleans(), signed=st.booleans())
def test_fuzz_authorize_never_500(client, alice, registration, pairs, raw: str, base: bool, signed: bool) -> None:
    if signed:
        # A signed-in session again (examples may sign the user out), without hashing a password.
        sign_in_as(client, alice, backend="firmid.signin.backends.AuthenticationBackend")
    else:
        client.logout()
    query = dict(auth_request(registration).params) if base else {}
    query = urlencode([*query.items(), *pairs])
    response = client.get(f"{AUTHORIZE}?{query}&{raw}")
    assert response.status_code < 500
    if response.status_code in (301, 302, 303):
        location = urlparse(response["Location"])
        # Only to the registered redirect URI, or within firmid (sign-in, step-up, itself).
        assert not location.netloc or f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT, location


@FUZZ
@given(pairs=PAIRS, raw=RAW, auth=st.sampled_from(["none", "public", "basic", "bogus"]), grant=VALUES)
def test_fuzz_token_never_500(registration, public, pairs, raw: str, auth: str, grant: str) -> None:
    keys = [
        "grant_type",
        "code",
        "redirect_uri",
        "code_verifier",
        "refresh_token",
        "scope",
        "client_id",
        "client_secret",
        "username",
        "password",
        "token",
        "device_code",
    ]
    form = [("grant_type", grant), *[(keys[KEYS.index(k) % len(keys)] if k in KEYS else k, v) for k, v in pairs]]
    headers = {}
    if auth == "public":
        form.append(("client_id", public.application.client_id))
    elif auth == "basic":
        headers["HTTP_AUTHORIZATION"] = basic(registration.application.client_id, registration.client_secret)
    elif auth == "bogus":
        headers["HTTP_AUTHORIZATION"] = basic(registration.application.client_id, "wrong")
    body = f"{urlencode(form)}&{raw}".encode()
    response = _form(body, **headers)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json") and "error" in response.json()
