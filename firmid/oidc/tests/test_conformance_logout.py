"""OpenID Connect RP-Initiated Logout 1.0 (the OpenID Foundation's RP-initiated logout modules).

Section 2: the end_session endpoint takes GET and POST; id_token_hint (an expired one too),
client_id, post_logout_redirect_uri (registered, exactly) and state. Section 2 also says
when the OP must ask the user: without a hint, or with one that is not of the current
session and user. Section 3: back to the post_logout_redirect_uri with state.
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from firmid.oidc.services import application_register
from firmid.testing.oidc import LOGOUT, REDIRECT, USERINFO, code_flow, oauth_error, refresh, tokens_ok
from firmid.testing.signin import sign_in

SIGNED_OUT_A = "http://127.0.0.1:9999/a/signed-out"
SIGNED_OUT_B = "http://127.0.0.1:9999/b/signed-out"


@pytest.fixture
def app_a(db):
    return application_register(
        actor=None,
        name="A",
        home_url="http://127.0.0.1:9999/",
        redirect_uris=[REDIRECT],
        post_logout_redirect_uris=[SIGNED_OUT_A],
    )


@pytest.fixture
def app_b(db):
    return application_register(
        actor=None,
        name="B",
        home_url="http://127.0.0.1:9999/",
        redirect_uris=[REDIRECT],
        post_logout_redirect_uris=[SIGNED_OUT_B],
    )


def _signed_in_browser(user, password: str) -> Client:
    """A browser signed in at firmid as `user`, enforcing CSRF as a real one does."""
    signing_in = Client()
    assert sign_in(signing_in, user.email, password).status_code == 302
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = signing_in.cookies
    return browser


@pytest.fixture
def browser(alice, password) -> Client:
    return _signed_in_browser(alice, password)


def _tokens(browser: Client, registration, alice, password: str) -> dict:
    return code_flow(browser, registration, alice, password)[1]


def _logout(registration, id_token: str, uri: str, state: str = "st-1") -> dict:
    return {
        "id_token_hint": id_token,
        "client_id": registration.application.client_id,
        "post_logout_redirect_uri": uri,
        "state": state,
    }


def _ends_at(response, uri: str, state: str = "st-1") -> None:
    assert response.status_code == 302, (response.status_code, response.content[:300])
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == uri
    assert parse_qs(location.query) == {"state": [state]}


def _signed_in(browser: Client) -> bool:
    return SESSION_KEY in browser.session


def _asks(response) -> bool:
    """The confirmation page: a form of firmid, no redirect."""
    return response.status_code == 200 and b'name="allow"' in response.content and "Location" not in response


def _csrf_token(page) -> str:
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()


# POST (section 2) ------------------------------------------------------------------------------


def test_rp_initiated_logout_by_post_is_not_refused_as_csrf(browser, app_a, alice, password) -> None:
    # An application's auto-submitted form, cross-site: it has no firmid CSRF token (was a 403 page).
    tokens = _tokens(browser, app_a, alice, password)
    response = browser.post(LOGOUT, _logout(app_a, tokens["id_token"], SIGNED_OUT_A))
    _ends_at(response, SIGNED_OUT_A)
    assert not _signed_in(browser)
    assert oauth_error(refresh(app_a, tokens["refresh_token"])) == "invalid_grant"  # the session's tokens end


def test_rp_initiated_logout_by_get_still_works(browser, app_a, alice, password) -> None:
    tokens = _tokens(browser, app_a, alice, password)
    _ends_at(browser.get(LOGOUT, _logout(app_a, tokens["id_token"], SIGNED_OUT_A)), SIGNED_OUT_A)
    assert not _signed_in(browser)


# Two applications (section 2: the hint is a hint, and an expired one is accepted) -------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_second_application_logout_after_the_first_ends_at_its_post_logout_redirect_uri(
    browser,
    app_a,
    app_b,
    alice,
    password,
    method: str,
) -> None:
    tokens_a = _tokens(browser, app_a, alice, password)
    tokens_b = _tokens(browser, app_b, alice, password)
    _ends_at(getattr(browser, method)(LOGOUT, _logout(app_a, tokens_a["id_token"], SIGNED_OUT_A)), SIGNED_OUT_A)
    # B's ID token row went with A's logout (tokens revoked): B's hint was then a 400 page.
    response = getattr(browser, method)(LOGOUT, _logout(app_b, tokens_b["id_token"], SIGNED_OUT_B, "st-b"))
    _ends_at(response, SIGNED_OUT_B, "st-b")


def test_second_application_logout_with_expired_hints_ends_at_its_uri(
    browser,
    app_a,
    app_b,
    alice,
    password,
    settings,
) -> None:
    # ID tokens live 10 minutes: an application's logout nearly always sends an expired one.
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ID_TOKEN_EXPIRE_SECONDS": -60}
    tokens_a = _tokens(browser, app_a, alice, password)
    tokens_b = _tokens(browser, app_b, alice, password)
    _ends_at(browser.get(LOGOUT, _logout(app_a, tokens_a["id_token"], SIGNED_OUT_A)), SIGNED_OUT_A)
    assert not _signed_in(browser)
    _ends_at(browser.get(LOGOUT, _logout(app_b, tokens_b["id_token"], SIGNED_OUT_B)), SIGNED_OUT_B)


def test_second_application_logout_still_refuses_an_unregistered_uri(browser, app_a, app_b, alice, password) -> None:
    tokens_a = _tokens(browser, app_a, alice, password)
    tokens_b = _tokens(browser, app_b, alice, password)
    browser.get(LOGOUT, _logout(app_a, tokens_a["id_token"], SIGNED_OUT_A))
    for uri in ("https://attacker.example/", SIGNED_OUT_A):  # not B's: A's is A's only
        response = browser.get(LOGOUT, _logout(app_b, tokens_b["id_token"], uri))
        assert response.status_code == 400 and "Location" not in response, uri


def test_logout_hint_without_client_id_ends_at_the_uri_of_its_application(browser, app_a, alice, password) -> None:
    tokens = _tokens(browser, app_a, alice, password)
    params = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": SIGNED_OUT_A, "state": "st-1"}
    _ends_at(browser.post(LOGOUT, params), SIGNED_OUT_A)


@pytest.mark.parametrize(
    "hint",
    [
        "junk",
        "a.b.c",
        "e30.e30.e30",
        "x." + base64.urlsafe_b64encode(b"[" * 5000).decode() + ".y",
        "x." + base64.urlsafe_b64encode(b'{"aud": ["A"], "azp": 5}').decode() + ".y",
        "\u00e9.\u00e9.\u00e9",
    ],
)
def test_logout_forged_hint_is_an_error_page(browser, app_a, hint: str) -> None:
    for method in ("get", "post"):
        response = getattr(browser, method)(LOGOUT, {"id_token_hint": hint, "post_logout_redirect_uri": SIGNED_OUT_A})
        assert response.status_code == 400 and "Location" not in response
    assert _signed_in(browser)


def test_logout_hint_in_json_serialization_is_refused(browser, app_a, alice, password) -> None:
    # jwcrypto verifies a JSON-serialized JWS too: its signed payload must be the claims firmid reads.
    header, payload, signature = _tokens(browser, app_a, alice, password)["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    chosen = base64.urlsafe_b64encode(json.dumps({"aud": claims["aud"], "auth_time": claims["auth_time"]}).encode())
    forged = json.dumps(
        {"protected": header, "payload": payload, "signature": signature, "x": f"a.{chosen.decode()}.b"}
    )
    assert forged.count(".") == 2
    response = browser.get(LOGOUT, {"id_token_hint": forged, "post_logout_redirect_uri": SIGNED_OUT_A})
    assert response.status_code == 400 and _signed_in(browser)


def test_logout_hint_of_another_client_is_refused(browser, app_a, app_b, alice, password) -> None:
    tokens_a = _tokens(browser, app_a, alice, password)
    for method in ("get", "post"):
        response = getattr(browser, method)(LOGOUT, _logout(app_b, tokens_a["id_token"], SIGNED_OUT_B))
        assert response.status_code == 400 and "Location" not in response
    assert _signed_in(browser)


def test_logout_hint_alone_revokes_no_tokens(client, app_a, alice, password) -> None:
    # A hint is not a credential: whoever holds an old ID token of alice (it travels in URLs)
    # and has no session of hers cannot end her tokens with it.
    tokens = _tokens(client, app_a, alice, password)
    _ends_at(Client().get(LOGOUT, _logout(app_a, tokens["id_token"], SIGNED_OUT_A)), SIGNED_OUT_A)
    assert _signed_in(client)
    assert Client().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 200
    tokens_ok(refresh(app_a, tokens["refresh_token"]))


# Logout CSRF: nobody is signed out without a question unless the hint is of this session ------


@pytest.mark.parametrize("method", ["get", "post"])
def test_cross_site_logout_without_hint_asks_the_user(browser, app_a, method: str) -> None:
    params = {"client_id": app_a.application.client_id, "post_logout_redirect_uri": SIGNED_OUT_A, "state": "s"}
    for data in ({}, params):
        assert _asks(getattr(browser, method)(LOGOUT, data)), data
        assert _signed_in(browser)


def test_cross_site_post_of_the_confirmation_without_csrf_token_is_refused(browser, app_a) -> None:
    # The confirmation page's own answer (allow) is firmid's form: CSRF-checked, unlike the RP's POST.
    response = browser.post(LOGOUT, {"allow": "Logout", "client_id": app_a.application.client_id})
    assert response.status_code == 403
    assert _signed_in(browser)


def test_confirmation_page_signs_out_with_its_csrf_token(browser, app_a) -> None:
    params = {"client_id": app_a.application.client_id, "post_logout_redirect_uri": SIGNED_OUT_A, "state": "st-1"}
    page = browser.post(LOGOUT, params)
    assert _asks(page)
    response = browser.post(LOGOUT, {**params, "csrfmiddlewaretoken": _csrf_token(page), "allow": "Logout"})
    _ends_at(response, SIGNED_OUT_A)
    assert not _signed_in(browser)


def test_confirmation_page_cancel_keeps_the_session(browser, app_a) -> None:
    page = browser.get(LOGOUT, {"client_id": app_a.application.client_id})
    response = browser.post(
        LOGOUT, {"client_id": app_a.application.client_id, "csrfmiddlewaretoken": _csrf_token(page)}
    )
    assert response.status_code == 400 and "Location" not in response  # DOT's logout_denied
    assert _signed_in(browser)


def test_logout_hint_of_an_earlier_session_asks_the_user(browser, app_a, alice, password, frozen_clock) -> None:
    # Section 2: the OP MUST ask if the ID token does not belong to the current OP session.
    old = _tokens(browser, app_a, alice, password)
    browser.get(LOGOUT, _logout(app_a, old["id_token"], SIGNED_OUT_A))
    frozen_clock.advance(120)
    browser = _signed_in_browser(alice, password)  # a new session, a new auth_time
    assert _asks(browser.get(LOGOUT, _logout(app_a, old["id_token"], SIGNED_OUT_A)))
    assert _signed_in(browser)


def test_confirmed_logout_with_another_users_hint_revokes_the_signed_in_users_tokens(
    browser,
    app_a,
    alice,
    password,
    make_user,
) -> None:
    bob = make_user(email="bob@example.test")
    bobs = _tokens(Client(), app_a, bob, password)
    alices = _tokens(browser, app_a, alice, password)
    page = browser.get(LOGOUT, _logout(app_a, bobs["id_token"], SIGNED_OUT_A))
    assert _asks(page)  # bob's hint in alice's browser
    data = {**_logout(app_a, bobs["id_token"], SIGNED_OUT_A), "csrfmiddlewaretoken": _csrf_token(page), "allow": "1"}
    _ends_at(browser.post(LOGOUT, data), SIGNED_OUT_A)
    # The session that ended is alice's: her tokens end, bob's are not hers to end (DOT ended bob's).
    assert oauth_error(refresh(app_a, alices["refresh_token"])) == "invalid_grant"
    tokens_ok(refresh(app_a, bobs["refresh_token"]))


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_logout_other_methods_are_405(browser, method: str) -> None:
    assert getattr(browser, method)(LOGOUT).status_code == 405
    assert _signed_in(browser)
