"""The set-up page of a sign-in heading to an application that requires MFA, and the key it shows."""

from __future__ import annotations

import pytest
from django.test import Client

from firmid.accounts.models import Role
from firmid.oidc.context import ACR_MFA
from firmid.oidc.requirements import authorization_requires_mfa
from firmid.oidc.services import application_register
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import code_now
from firmid.testing.factories import set_level
from firmid.testing.oidc import REDIRECT, auth_request, code_of, exchange, tokens_ok, verify_id_token
from firmid.testing.signin import ENROL, HOME, past_recovery_codes, shown_key, sign_in

STEP_UP = "/accounts/security/step-up/"
LATER = "Activate later"


@pytest.fixture
def alice(make_user):
    user = make_user(role=Role.PRACTITIONER, email="alice@example.test")
    set_level(user.firm, UserType.PRACTITIONERS, MfaLevel.SUGGESTED)
    return user


def register(*, require_mfa: bool = False):
    return application_register(
        actor=None,
        name="Documents",
        home_url="http://127.0.0.1:9999/",
        redirect_uris=[REDIRECT],
        require_mfa=require_mfa,
    )


@pytest.fixture
def documents(db):
    return register()


@pytest.fixture
def payroll(db):
    """An application that requires MFA of every user, whatever their firm's level."""
    return register(require_mfa=True)


def test_application_requiring_mfa_is_not_offered_activate_later(client, alice, password, payroll) -> None:
    request = auth_request(payroll)
    assert sign_in(client, alice.email, password, request.url).url == ENROL
    page = client.get(ENROL).content.decode()
    assert LATER not in page
    assert "The application you are opening requires MFA" in page


def test_acr_values_mfa_is_not_offered_activate_later(client, alice, password, documents) -> None:
    request = auth_request(documents, acr_values=ACR_MFA)
    assert sign_in(client, alice.email, password, request.url).url == ENROL
    assert LATER not in client.get(ENROL).content.decode()


def test_forged_activate_later_towards_an_application_requiring_mfa_is_refused(
    client, alice, password, payroll
) -> None:
    request = auth_request(payroll)
    assert sign_in(client, alice.email, password, request.url).url == ENROL
    key = shown_key(client.get(ENROL))
    response = client.post(ENROL, {"later": "1"})
    assert response.status_code == 403
    assert "The application you are opening requires multi-factor authentication" in response.content.decode()
    assert client.get(HOME).status_code == 302  # not signed in
    assert shown_key(response) == key


def test_key_stays_the_same_until_set_up_towards_an_application_requiring_mfa(client, alice, password, payroll) -> None:
    request = auth_request(payroll)
    sign_in(client, alice.email, password, request.url)
    key = shown_key(client.get(ENROL))
    client.post(ENROL, {"later": "1"})
    assert shown_key(client.get(ENROL)) == key
    assert past_recovery_codes(client, client.post(ENROL, {"code": code_now(key)})).url == request.url
    body = tokens_ok(exchange(payroll, code_of(client.get(request.url), request), request.verifier))
    claims = verify_id_token(body["id_token"], registration=payroll, nonce=request.nonce).claims
    assert claims["acr"] == ACR_MFA


def test_suggested_sign_in_to_an_ordinary_application_still_offers_activate_later(
    client, alice, password, documents
) -> None:
    request = auth_request(documents)
    sign_in(client, alice.email, password, request.url)
    assert LATER in client.get(ENROL).content.decode()
    assert client.post(ENROL, {"later": "1"}).url == request.url


def test_key_postponed_at_sign_in_is_the_key_of_the_application_set_up_page(client, alice, password) -> None:
    """Activate later, then an application asks for MFA: its set-up page shows the key already scanned."""
    assert sign_in(client, alice.email, password).url == ENROL
    key = shown_key(client.get(ENROL))
    assert client.post(ENROL, {"later": "1"}).url == HOME
    payroll = register(require_mfa=True)
    request = auth_request(payroll)
    step_up = client.get(request.url)
    assert step_up.status_code == 302 and step_up.url.startswith(STEP_UP)
    assert shown_key(client.get(step_up.url)) == key
    assert client.post(step_up.url, {"code": code_now(key)}).url == request.url
    code_of(client.get(request.url), request)


def test_authorization_requires_mfa_reads_the_request_and_the_application(payroll, documents) -> None:
    assert authorization_requires_mfa(auth_request(payroll).url)
    assert authorization_requires_mfa(auth_request(documents, acr_values=f"x {ACR_MFA}").url)
    assert not authorization_requires_mfa(auth_request(documents).url)
    assert not authorization_requires_mfa(auth_request(documents, acr_values="urn:firmid:acr:pwd").url)
    assert not authorization_requires_mfa(None)
    assert not authorization_requires_mfa("/my-account/")
    assert not authorization_requires_mfa(f"/my-account/?acr_values={ACR_MFA}")
    assert not authorization_requires_mfa("/oauth/authorize/?client_id=" + "x" * 5000)
    assert not authorization_requires_mfa("/oauth/authorize/?client_id=unknown")


def test_step_up_set_up_with_a_fresh_session_still_works(alice, password) -> None:
    """No key was shown before in this session: the step-up page makes one."""
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.UPON_REQUEST)
    browser = Client()
    assert sign_in(browser, alice.email, password).url == HOME
    payroll = register(require_mfa=True)
    request = auth_request(payroll)
    step_up = browser.get(request.url).url
    key = shown_key(browser.get(step_up))
    assert shown_key(browser.get(step_up)) == key
    assert browser.post(step_up, {"code": code_now(key)}).url == request.url
