"""OpenID Foundation Basic OP modules on the session: prompt, max_age, hints, acr_values, policy.

OIDC Core 3.1.2.1 (prompt, max_age, id_token_hint, login_hint, acr_values), 3.1.2.6 (errors),
2 (auth_time, acr, amr); firmid's MFA policy at the application door.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from config import env
from firmid.accounts.models import Role
from firmid.core.seams.allauth import TOTP
from firmid.oidc.models import Grant
from firmid.oidc.services import application_register
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import SECRET, code_now
from firmid.testing.factories import set_level
from firmid.testing.oidc import (
    REDIRECT,
    auth_request,
    code_flow,
    code_of,
    error_of,
    exchange,
    goes_to_login,
    tokens_ok,
    verify_id_token,
)
from firmid.testing.signin import sign_in

REAUTHENTICATE = "/accounts/2fa/reauthenticate/"
STEP_UP = "/accounts/security/step-up/"


@pytest.fixture
def clock(frozen_clock):
    """firmid's clock an hour back, so that tests can move it on and auth_time stays before iat."""
    frozen_clock.now = time.time() - 3600
    return frozen_clock


def _id_token(client: Client, registration, request) -> dict:
    code = code_of(client.get(request.url), request)
    tokens = tokens_ok(exchange(registration, code, request.verifier))
    return verify_id_token(tokens["id_token"], registration=registration, nonce=request.nonce).claims


# prompt ------------------------------------------------------------------------------------


def test_oidcc_prompt_none_not_logged_in(client, registration) -> None:
    request = auth_request(registration, prompt="none")
    assert error_of(client.get(request.url), request) == "login_required"  # to the RP, with state and iss


def test_oidcc_prompt_none_logged_in(client, alice, password, registration) -> None:
    sign_in(client, alice.email, password)
    request = auth_request(registration, prompt="none")
    claims = _id_token(client, registration, request)  # a code straight away, no page shown
    assert claims["sub"] == str(alice.public_id)


def test_prompt_none_with_another_value_is_invalid_request(client, alice, password, registration) -> None:
    sign_in(client, alice.email, password)
    request = auth_request(registration, prompt="none login")
    assert error_of(client.get(request.url), request) == "invalid_request"


def test_oidcc_prompt_login(client, alice, password, registration, clock) -> None:
    sign_in(client, alice.email, password)
    first = _id_token(client, registration, auth_request(registration))
    clock.advance(60)
    request = auth_request(registration, prompt="login")
    response = client.get(request.url)
    assert goes_to_login(response)  # the user must authenticate again ...
    assert goes_to_login(client.get(auth_request(registration).url))  # ... the session is gone
    next_url = parse_qs(urlparse(response["Location"]).query)["next"][0]
    assert "prompt" not in parse_qs(urlparse(next_url).query)  # consumed: no sign-in loop
    sign_in(client, alice.email, password, next_url)
    second = _id_token(client, registration, auth_request(registration, state=request.state, nonce=request.nonce))
    assert second["auth_time"] >= first["auth_time"] + 60


def test_prompt_consent_is_refused_with_consent_required_not_ignored(client, alice, password, registration) -> None:
    # OIDC Core 3.1.2.1: the OP that cannot obtain consent MUST return an error; firmid shows
    # no consent screen (the firm registers its applications), so it never pretends to.
    request = auth_request(registration, prompt="consent")
    assert error_of(client.get(request.url), request) == "consent_required"  # before any sign-in
    sign_in(client, alice.email, password)
    request = auth_request(registration, prompt="login consent")
    assert error_of(client.get(request.url), request) == "consent_required"
    assert not Grant.objects.exists()


def test_prompt_select_account_signs_out_and_lets_another_account_sign_in(
    client, alice, password, registration, make_user
) -> None:
    bob = make_user(role=Role.PRACTITIONER, email="bob@example.test")
    sign_in(client, alice.email, password)
    request = auth_request(registration, prompt="select_account")
    response = client.get(request.url)
    assert goes_to_login(response)  # the sign-in page is where an account is chosen
    assert client.get("/my-account/").status_code != 200  # alice's session has ended
    next_url = parse_qs(urlparse(response["Location"]).query)["next"][0]
    assert "prompt" not in parse_qs(urlparse(next_url).query)  # consumed: no loop
    assert sign_in(client, bob.email, password, next_url)["Location"] == next_url
    again = auth_request(registration, state=request.state, nonce=request.nonce)
    assert _id_token(client, registration, again)["sub"] == str(bob.public_id)


def test_prompt_select_account_without_session_is_the_sign_in_page_once(client, alice, password, registration) -> None:
    request = auth_request(registration, prompt="select_account")
    response = client.get(request.url)
    assert goes_to_login(response)
    next_url = parse_qs(urlparse(response["Location"]).query)["next"][0]
    assert "prompt" not in parse_qs(urlparse(next_url).query)
    sign_in(client, alice.email, password, next_url)
    assert code_of(client.get(next_url), auth_request(registration, state=request.state))


def test_prompt_none_with_select_account_is_invalid_request(client, registration) -> None:
    request = auth_request(registration, prompt="none select_account")
    assert error_of(client.get(request.url), request) == "invalid_request"


# max_age -----------------------------------------------------------------------------------


def test_oidcc_max_age_1(client, alice, password, registration, clock) -> None:
    sign_in(client, alice.email, password)
    first = _id_token(client, registration, auth_request(registration))
    clock.advance(2)
    request = auth_request(registration, max_age="1")
    response = client.get(request.url)
    assert goes_to_login(response)  # authentication older than max_age: sign in again
    next_url = parse_qs(urlparse(response["Location"]).query)["next"][0]
    assert sign_in(client, alice.email, password, next_url)["Location"] == next_url
    again = auth_request(registration)
    claims = _id_token(client, registration, again)
    assert claims["auth_time"] >= first["auth_time"] + 2  # auth_time is REQUIRED with max_age


def test_oidcc_max_age_10000(client, alice, password, registration, clock) -> None:
    sign_in(client, alice.email, password)
    first = _id_token(client, registration, auth_request(registration))
    clock.advance(2)
    claims = _id_token(client, registration, auth_request(registration, max_age="10000"))
    assert claims["auth_time"] == first["auth_time"]  # no new authentication


def test_max_age_exceeded_under_prompt_none_is_login_required(client, alice, password, registration, clock) -> None:
    sign_in(client, alice.email, password)
    clock.advance(5)
    request = auth_request(registration, max_age="1", prompt="none")
    assert error_of(client.get(request.url), request) == "login_required"  # never the sign-in page


# Hints ---------------------------------------------------------------------------------------


def test_oidcc_id_token_hint(client, alice, password, registration) -> None:
    sign_in(client, alice.email, password)
    request, tokens = code_flow(client, registration, alice, password)
    first = verify_id_token(tokens["id_token"], registration=registration).claims
    again = auth_request(registration, prompt="none", id_token_hint=tokens["id_token"])
    assert _id_token(client, registration, again)["sub"] == first["sub"]


def test_id_token_hint_of_another_user_under_prompt_none_is_login_required(
    client, alice, password, registration, make_user
) -> None:
    bob = make_user(role=Role.PRACTITIONER, email="bob@example.test")
    _, bobs = code_flow(Client(), registration, bob, password)
    sign_in(client, alice.email, password)
    request = auth_request(registration, prompt="none", id_token_hint=bobs["id_token"])
    assert error_of(client.get(request.url), request) == "login_required"


def test_id_token_hint_of_another_user_signs_in_again(client, alice, password, registration, make_user) -> None:
    bob = make_user(role=Role.PRACTITIONER, email="bob@example.test")
    _, bobs = code_flow(Client(), registration, bob, password)
    sign_in(client, alice.email, password)
    response = client.get(auth_request(registration, id_token_hint=bobs["id_token"]).url)
    assert goes_to_login(response) and "id_token_hint" not in response["Location"]
    assert not client.get("/my-account/").status_code == 200  # alice's session has ended


def test_an_expired_id_token_hint_still_names_its_user(client, alice, password, registration, clock) -> None:
    sign_in(client, alice.email, password)
    _, tokens = code_flow(client, registration, alice, password)
    clock.advance(3600 + 600)  # the ID token (10 minutes) has long expired
    again = auth_request(registration, prompt="none", id_token_hint=tokens["id_token"])
    assert code_of(client.get(again.url), again)


def test_an_id_token_hint_signed_with_a_retired_key_is_still_read(
    client, alice, password, registration, settings
) -> None:
    sign_in(client, alice.email, password)
    _, before = code_flow(client, registration, alice, password)
    old_key = settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": env.rsa_private_key_pem(),
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [old_key],
    }
    again = auth_request(registration, prompt="none", id_token_hint=before["id_token"])
    assert code_of(client.get(again.url), again)
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEYS_INACTIVE": []}
    dropped = auth_request(registration, prompt="none", id_token_hint=before["id_token"])
    assert error_of(client.get(dropped.url), dropped) == "invalid_request"


@pytest.mark.parametrize("hint", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."])
def test_an_id_token_hint_that_is_not_ours_is_invalid_request(client, alice, password, registration, hint: str) -> None:
    sign_in(client, alice.email, password)
    request = auth_request(registration, prompt="none", id_token_hint=hint)
    assert error_of(client.get(request.url), request) == "invalid_request"


def test_an_id_token_hint_issued_to_another_client_is_invalid_request(client, alice, password, registration) -> None:
    other = application_register(actor=None, name="Other", home_url="http://127.0.0.1:9/", redirect_uris=[REDIRECT])
    _, tokens = code_flow(client, other, alice, password)
    request = auth_request(registration, prompt="none", id_token_hint=tokens["id_token"])
    assert error_of(client.get(request.url), request) == "invalid_request"


def test_oidcc_login_hint(client, alice, registration) -> None:
    request = auth_request(registration, login_hint=alice.email)
    page = client.get(client.get(request.url)["Location"]).content.decode()
    assert re.search(
        rf'name="login"[^>]*value="{re.escape(alice.email)}"|value="{re.escape(alice.email)}"[^>]*name="login"', page
    )


# acr_values and the application's own MFA requirement (step-up) ----------------------------


def test_prompt_none_when_the_application_wants_mfa_is_interaction_required(
    client, alice, password, registration
) -> None:
    sign_in(client, alice.email, password)
    request = auth_request(registration, prompt="none", acr_values="urn:firmid:acr:mfa")
    assert error_of(client.get(request.url), request) == "interaction_required"
    assert not Grant.objects.exists()


def test_acr_values_mfa_steps_a_user_with_totp_up_through_the_code(client, alice, password, registration) -> None:
    sign_in(client, alice.email, password)  # password only in this session ...
    TOTP.activate(alice, SECRET)  # ... and an authenticator app set up elsewhere since
    request = auth_request(registration, acr_values="urn:firmid:acr:mfa")
    response = client.get(request.url)
    assert response.status_code == 302 and urlparse(response["Location"]).path == REAUTHENTICATE
    assert parse_qs(urlparse(response["Location"]).query)["next"] == [request.url]
    assert client.post(response["Location"], {"code": code_now(SECRET)})["Location"] == request.url
    claims = _id_token(client, registration, request)
    assert claims["acr"] == "urn:firmid:acr:mfa" and "otp" in claims["amr"] and "pwd" in claims["amr"]


def test_application_requiring_mfa_takes_a_user_without_factor_through_enrolment(client, alice, password) -> None:
    payroll = application_register(
        actor=None,
        name="Payroll",
        home_url="http://127.0.0.1:9999/",
        redirect_uris=[REDIRECT],
        require_mfa=True,
    )
    sign_in(client, alice.email, password)
    request = auth_request(payroll)
    response = client.get(request.url)
    assert urlparse(response["Location"]).path == STEP_UP  # set a factor up first
    assert parse_qs(urlparse(response["Location"]).query)["next"] == [request.url]
    assert client.get(request.url)["Location"] == response["Location"]  # never silently let in
    silent = auth_request(payroll, prompt="none")
    assert error_of(client.get(silent.url), silent) == "interaction_required"
    assert not Grant.objects.exists()
    page = client.get(response["Location"])
    secret = re.search(r'id="totp-key">([A-Z2-7]+)<', page.content.decode()).group(1)
    # Back to the application's authorization request once the factor is set up.
    assert client.post(response["Location"], {"code": code_now(secret)})["Location"] == request.url
    claims = _id_token(client, payroll, request)
    assert claims["acr"] == "urn:firmid:acr:mfa" and "otp" in claims["amr"] and "pwd" in claims["amr"]


def test_application_for_some_user_types_denies_the_others(client, alice, password, make_user) -> None:
    portal = application_register(
        actor=None,
        name="Client portal",
        home_url="http://127.0.0.1:9999/",
        redirect_uris=[REDIRECT],
        user_types=[UserType.CLIENTS.value],
    )
    sign_in(client, alice.email, password)
    request = auth_request(portal)
    assert error_of(client.get(request.url), request) == "access_denied"
    assert not Grant.objects.exists()
    bob = make_user(role=Role.STANDARD_CLIENT, firm=alice.firm, email="bob@example.test")
    other = Client()
    sign_in(other, bob.email, password)
    assert _id_token(other, portal, auth_request(portal))["user_type"] == UserType.CLIENTS.value


def test_mandatory_level_without_mfa_gets_no_code(client, alice, password, registration) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    request = auth_request(registration)
    client.get(request.url)
    sign_in(client, alice.email, password, request.url)
    assert goes_to_login(client.get(request.url))  # enrolment pending: no code
    assert not Grant.objects.exists()


def test_prompt_none_after_the_level_became_mandatory_is_an_error_not_a_page(
    client, alice, password, registration
) -> None:
    sign_in(client, alice.email, password)
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    request = auth_request(registration, prompt="none")
    # OIDC Core 3.1.2.1: no page under prompt=none; the session policy signed the user out.
    assert error_of(client.get(request.url), request) == "login_required"
