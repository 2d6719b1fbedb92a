"""Every response carries a strict Content-Security-Policy; pages showing a TOTP key are never stored."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from firmid.accounts.models import Role
from firmid.core.headers import application_origins
from firmid.oidc.services import application_register
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import code_now
from firmid.testing.factories import set_level
from firmid.testing.signin import ENROL, HOME, LOGIN, past_recovery_codes, shown_key, sign_in

ACTIVATE = "/accounts/2fa/totp/activate/"
REAUTH_PASSWORD = "/accounts/reauthenticate/"
STEP_UP = "/accounts/security/step-up/"
REDIRECT = "http://127.0.0.1:9999/callback"
LOGOUT_REDIRECT = "http://127.0.0.1:9999/signed-out"

STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'none'"},
    "object-src": {"'none'"},
}

ANONYMOUS_PAGES = [
    LOGIN,
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/1-set-password/",
    "/accounts/2fa/authenticate/",
    "/oauth/authorize/?client_id=unknown&response_type=code",
    "/oauth/logout/",
    "/.well-known/openid-configuration",
    "/.well-known/jwks.json",
    "/oauth/userinfo/",
    "/healthz",
    "/api/v1/firms/",
    "/no-such-page/",
]
SIGNED_IN_PAGES = [
    HOME,
    "/accounts/password/change/",
    REAUTH_PASSWORD,
    "/administration/",
]
AGENT_PAGES = [
    "/administration/firms/",
    "/administration/mfa-coverage/",
    "/administration/practitioners/",
    "/administration/applications/",
    "/administration/applications/new/",
    "/api/v1/firms/",
]


def policy(response) -> dict[str, set[str]]:
    """The Content-Security-Policy header, directive → sources."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for directive in header.split(";"):
        name, *sources = directive.split()
        directives[name] = set(sources)
    return directives


def assert_strict(response) -> None:
    directives = policy(response)
    for name, sources in STRICT.items():
        assert directives.get(name) == sources, (response.request["PATH_INFO"], name, directives.get(name))
    assert "'self'" in directives["form-action"]
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def agent_client(client: Client, make_agent, password: str) -> Client:
    """A level-2 agent, signed in with their own factor just set up."""
    agent = make_agent(2)
    assert sign_in(client, agent.email, password).url == ENROL
    secret = shown_key(client.get(ENROL))
    assert past_recovery_codes(client, client.post(ENROL, {"code": code_now(secret)})).url == "/administration/"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_injected_script_cannot_run_on_anonymous_pages(client: Client, path: str) -> None:
    assert_strict(client.get(path))


def test_injected_script_cannot_run_on_signed_in_pages(client: Client, make_user, password: str) -> None:
    user = make_user(role=Role.STANDARD_CLIENT, email="carol@example.test")
    sign_in(client, user.email, password)
    for path in SIGNED_IN_PAGES:
        assert_strict(client.get(path))


def test_injected_script_cannot_run_on_administration_pages_or_api(agent_client: Client) -> None:
    for path in AGENT_PAGES:
        response = agent_client.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


def test_injected_script_cannot_run_on_error_pages(client: Client, make_user, password: str) -> None:
    assert_strict(client.post(LOGIN, {"login": "x@example.test"}, HTTP_X_CSRFTOKEN="nope"))  # 400 form
    assert_strict(Client(enforce_csrf_checks=True).post(LOGIN, {}))  # the 403 CSRF page
    assert_strict(client.get("/accounts/login/?next=\x00"))  # refused NUL byte, before any view


@pytest.mark.django_db
def test_firmid_pages_cannot_be_framed_by_another_site(client: Client) -> None:
    directives = policy(client.get(LOGIN))
    assert directives["frame-ancestors"] == {"'none'"}


# form-action: the sign-in of an application may end at that application, nowhere else ---


@pytest.fixture
def documents(db):
    return application_register(
        actor=None,
        name="Documents",
        home_url="http://127.0.0.1:9999/",
        redirect_uris=[REDIRECT],
        post_logout_redirect_uris=[LOGOUT_REDIRECT],
    )


def authorize_url(client_id: str, redirect_uri: str) -> str:
    query = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code", "scope": "openid"}
    return f"/oauth/authorize/?{urlencode(query)}"


def test_sign_in_page_of_an_application_may_post_on_to_its_registered_redirect_uri(client: Client, documents) -> None:
    response = client.get(LOGIN, {"next": authorize_url(documents.application.client_id, REDIRECT)})
    assert policy(response)["form-action"] == {"'self'", "http://127.0.0.1:9999"}


def test_crafted_sign_in_link_cannot_widen_form_action_to_an_unregistered_origin(client: Client, documents) -> None:
    evil = "https://evil.example/steal"
    for next_url in (
        authorize_url(documents.application.client_id, evil),
        authorize_url("no-such-client", evil),
        f"/oauth/logout/?{urlencode({'post_logout_redirect_uri': evil})}",
        evil,
    ):
        response = client.get(LOGIN, {"next": next_url})
        assert policy(response)["form-action"] == {"'self'"}, next_url


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["/oauth/authorize/?client_id=a&client_id=b", "\u2028", "//", "%"])
def test_malformed_next_gives_the_strict_policy_not_an_error(client: Client, next_url: str) -> None:
    response = client.get(LOGIN, {"next": next_url})
    assert response.status_code == 200
    assert policy(response)["form-action"] == {"'self'"}
    response = client.post(LOGIN, {"next": next_url, "login": "nobody@example.test", "password": "x"})
    assert response.status_code < 500
    assert_strict(response)


@pytest.mark.django_db
def test_unparsable_next_adds_no_origin(rf) -> None:
    assert application_origins(rf.get(LOGIN, {"next": "http://[::1"})) == set()
    assert (
        application_origins(rf.post(LOGIN, {"next": "/oauth/authorize/?client_id=x&redirect_uri=http://[::1"})) == set()
    )


def test_code_page_of_a_pending_application_sign_in_may_post_on_to_the_application(
    client: Client,
    documents,
    make_user,
    password: str,
) -> None:
    user = make_user(role=Role.PRACTITIONER, email="alice@example.test")
    set_level(user.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    next_url = authorize_url(documents.application.client_id, REDIRECT)
    response = client.post(f"{LOGIN}?{urlencode({'next': next_url})}", {"login": user.email, "password": password})
    assert response.url == ENROL
    assert policy(client.get(ENROL))["form-action"] == {"'self'", "http://127.0.0.1:9999"}


def test_sign_out_page_may_post_on_to_a_registered_post_logout_uri(
    client: Client,
    documents,
    make_user,
    password: str,
) -> None:
    sign_in(client, make_user(role=Role.STANDARD_CLIENT).email, password)
    query = urlencode({"post_logout_redirect_uri": LOGOUT_REDIRECT, "client_id": documents.application.client_id})
    response = client.get(f"/oauth/logout/?{query}")
    assert response.status_code == 200  # "Do you want to sign out?"
    assert policy(response)["form-action"] == {"'self'", "http://127.0.0.1:9999"}


# Cache-Control: the pages that show a TOTP key ------------------------------------------


def assert_not_stored(response) -> None:
    assert response.status_code in (200, 400)
    assert re.search(r"\b[A-Z2-7]{32}\b", response.content.decode()), "no TOTP key shown"
    cache_control = {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}
    assert "no-store" in cache_control, response.headers.get("Cache-Control")
    assert "private" in cache_control
    assert response.headers["Pragma"] == "no-cache"


def test_totp_key_pages_are_not_stored_by_browsers_or_proxies(client: Client, make_user, password: str) -> None:
    alice = make_user(role=Role.PRACTITIONER, email="alice@example.test")
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    assert sign_in(client, alice.email, password).url == ENROL
    assert_not_stored(client.get(ENROL))  # during sign-in
    assert_not_stored(client.post(ENROL, {"code": "000000"}))  # refused code: the key is shown again

    carol = make_user(role=Role.STANDARD_CLIENT, email="carol@example.test")
    other = Client()
    sign_in(other, carol.email, password)
    assert_not_stored(other.get(STEP_UP, {"next": HOME}))  # an application requires MFA
    other.post(REAUTH_PASSWORD, {"password": password})
    assert_not_stored(other.get(ACTIVATE))  # My account's set-up (allauth's page)
