"""What the code and set-up pages tell the user: how long a lock lasts, a code just used, who requires MFA."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator

from firmid.core import clock
from firmid.core.seams.allauth import TOTP
from firmid.mfa import guard
from firmid.mfa.models import MfaGuard
from firmid.mfa.verification import Outcome, refusal_message
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import SECRET, code_now, wrong_code
from firmid.testing.factories import set_level
from firmid.testing.signin import ENROL, HOME, LOGIN, MFA, past_recovery_codes, shown_key, sign_in

JUST_USED = "This code was just used: wait for the next code in your app."


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    settings.FIRMID_MFA_MAX_FAILURES = 3
    settings.FIRMID_MFA_LOCK_SECONDS = 120
    settings.FIRMID_MFA_LOCK_MAX_SECONDS = 3600


@pytest.fixture
def enrolled(alice):
    TOTP.activate(alice, SECRET)
    return alice


def code_page_answer(client, user, password: str, code: str) -> str:
    assert sign_in(client, user.email, password).url == MFA
    response = client.post(MFA, {"code": code})
    assert response.status_code == 400
    return response.content.decode()


def test_locked_code_page_says_how_long_to_wait(client, enrolled, password, frozen_clock) -> None:
    assert sign_in(client, enrolled.email, password).url == MFA
    for _ in range(3):
        response = client.post(MFA, {"code": wrong_code()})
    assert "Too many incorrect codes. Try again in 2 minutes." in response.content.decode()
    frozen_clock.advance(61)
    assert "Try again in 1 minute." in code_page_answer(client, enrolled, password, wrong_code())


def test_locked_account_refuses_a_right_code_with_the_same_words(client, enrolled, password, frozen_clock) -> None:
    sign_in(client, enrolled.email, password)
    for _ in range(3):
        client.post(MFA, {"code": wrong_code()})
    right = code_page_answer(client, enrolled, password, code_now(SECRET))
    wrong = code_page_answer(client, enrolled, password, wrong_code())
    assert "Try again in 2 minutes." in right and "Try again in 2 minutes." in wrong
    assert client.get(HOME).status_code == 302
    assert MfaGuard.objects.get(user=enrolled).last_totp_step < 0  # the right code was never spent


def test_code_just_used_at_set_up_is_told_to_wait_for_the_next_code(client, alice, password, frozen_clock) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    sign_in(client, alice.email, password)
    key = shown_key(client.get(ENROL))
    code = code_now(key)
    assert past_recovery_codes(client, client.post(ENROL, {"code": code})).url == HOME
    client.logout()
    page = code_page_answer(client, alice, password, code)
    assert JUST_USED in page and "not valid" not in page
    frozen_clock.advance(30)
    assert client.post(MFA, {"code": code_now(key)}).url == HOME


def test_replayed_code_still_counts_as_a_failed_attempt(client, enrolled, password, frozen_clock) -> None:
    code = code_now(SECRET)
    sign_in(client, enrolled.email, password)
    assert client.post(MFA, {"code": code}).url == HOME
    client.logout()
    for _ in range(2):
        assert JUST_USED in code_page_answer(client, enrolled, password, code)
    assert "Try again in 2 minutes." in code_page_answer(client, enrolled, password, code)


def test_lock_lifted_only_by_support_says_so(enrolled) -> None:
    MfaGuard.objects.update_or_create(user=enrolled, defaults={"consecutive_failures": guard.HARD_LIMIT})
    message = refusal_message(outcome=Outcome.LOCKED, user=enrolled)
    assert "contact support" in message and "Try again in" not in message


def test_lock_of_an_hour_is_said_in_hours(enrolled, frozen_clock) -> None:
    MfaGuard.objects.update_or_create(user=enrolled, defaults={"locked_until": clock.now() + timedelta(hours=2)})
    assert refusal_message(outcome=Outcome.LOCKED, user=enrolled) == "Too many incorrect codes. Try again in 2 hours."


def test_support_agent_set_up_page_does_not_say_your_firm(client, make_agent, password) -> None:
    agent = make_agent(2)
    assert sign_in(client, agent.email, password).url == ENROL
    page = client.get(ENROL).content.decode()
    assert "Support staff always use MFA" in page
    assert "your firm" not in page.lower() and "Activate later" not in page
    refusal = client.post(ENROL, {"later": "1"})
    assert refusal.status_code == 403 and "your firm" not in refusal.content.decode().lower()


def test_support_agent_code_page_does_not_say_your_firm(client, make_agent, password) -> None:
    agent = make_agent(2)
    TOTP.activate(agent, SECRET)
    assert sign_in(client, agent.email, password).url == MFA
    assert "your firm" not in client.get(MFA).content.decode().lower()


def test_support_agent_whose_factor_vanished_is_not_told_your_firm(client, make_agent, password, frozen_clock) -> None:
    agent = make_agent(2)
    TOTP.activate(agent, SECRET)
    assert sign_in(client, agent.email, password, totp_secret=SECRET).status_code == 302
    Authenticator.objects.filter(user=agent).delete()
    response = client.get("/administration/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    page = client.get(response.url).content.decode()
    assert "support staff" in page and "your firm" not in page.lower()


def test_firm_user_set_up_page_still_says_the_firm_requires_it(client, alice, password) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    sign_in(client, alice.email, password)
    assert "Your firm requires MFA" in client.get(ENROL).content.decode()
