"""A rollout through the real sign-in: offered with Activate later before the day, demanded from it.

And a restriction of methods: a factor no longer allowed proves the person, but the
sign-in completes only once an allowed one is added.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.core import clock
from firmid.mfa.levels.inputs import start_of_day
from firmid.mfa.levels.rollout import user_rollout_deadline
from firmid.mfa.levels.services import TypeSettingsInput, firm_save_mfa_settings
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import user_mfa_decision
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import code_now
from firmid.testing.factories import give_factor
from firmid.testing.signin import ENROL, HOME, MFA, enrol, sign_in

P = UserType.PRACTITIONERS


@pytest.fixture
def agent(make_agent) -> User:
    return make_agent(2)


@pytest.fixture
def deadline(alice, agent, frozen_clock):
    """Alice's firm saves its practitioners as Mandatory from midnight 10 days ahead, as support does."""
    day = start_of_day((clock.now() + timedelta(days=10)).date())
    firm_save_mfa_settings(
        actor=agent, firm=alice.firm, settings={P: TypeSettingsInput(level=MfaLevel.MANDATORY, mandatory_from=day)}
    )
    return day


def move_to(frozen_clock, moment) -> None:
    frozen_clock.advance((moment - clock.now()).total_seconds())


def test_before_the_day_set_up_is_offered_with_activate_later(client: Client, alice, password, deadline) -> None:
    assert sign_in(client, alice.email, password).url == ENROL
    assert "Activate later" in client.get(ENROL).content.decode()
    response = client.post(ENROL, {"later": "1"})
    assert response.status_code == 302 and response.url == HOME
    assert client.get(HOME).status_code == 200


def test_the_evening_before_the_day_activate_later_still_works(
    client: Client, alice, password, deadline, frozen_clock
) -> None:
    move_to(frozen_clock, deadline - timedelta(minutes=5))
    sign_in(client, alice.email, password)
    assert client.post(ENROL, {"later": "1"}).url == HOME


@pytest.mark.parametrize("after", [timedelta(0), timedelta(hours=1), timedelta(days=40)])
def test_from_the_day_the_user_is_blocked_until_enrolled(
    client: Client, alice, password, deadline, frozen_clock, after
) -> None:
    move_to(frozen_clock, deadline + after)
    assert sign_in(client, alice.email, password).url == ENROL
    assert "Activate later" not in client.get(ENROL).content.decode()
    refused = client.post(ENROL, {"later": "1"})
    assert refused.status_code == 403
    assert "Your firm requires multi-factor authentication: it cannot be set up later." in refused.content.decode()
    assert client.get(HOME).status_code == 302  # not signed in
    enrol(Client(), alice.email, password)
    assert user_mfa_decision(user=alice).asks_for_code


def test_a_session_opened_before_the_day_ends_when_it_comes(
    client: Client, alice, password, frozen_clock, agent
) -> None:
    # A rollout an hour ahead (the forms give days; the row may hold any moment).
    FirmMfaLevel.objects.create(
        firm=alice.firm, user_type=P.value, level="mandatory", mandatory_from=clock.now() + timedelta(minutes=20)
    )
    sign_in(client, alice.email, password)
    client.post(ENROL, {"later": "1"})
    assert client.get(HOME).status_code == 200
    frozen_clock.advance(21 * 60)
    assert client.get(HOME).status_code == 302


def test_a_user_who_enrolled_before_the_day_is_asked_for_the_code_only(
    client: Client, alice, password, deadline, frozen_clock
) -> None:
    secret = give_factor(alice)
    move_to(frozen_clock, deadline + timedelta(days=1))
    response = sign_in(client, alice.email, password, totp_secret=secret)
    assert response.status_code == 302 and response.url == HOME


# --- the firm restricts methods ------------------------------------------------------------------


def test_a_factor_no_longer_allowed_does_not_complete_the_sign_in_alone(
    client: Client, alice, password, agent, frozen_clock
) -> None:
    secret = give_factor(alice)  # an authenticator app
    firm_save_mfa_settings(
        actor=agent,
        firm=alice.firm,
        settings={P: TypeSettingsInput(level=MfaLevel.SUGGESTED, allowed_methods=frozenset({"webauthn"}))},
        confirmed=True,
    )
    decision = user_mfa_decision(user=alice)
    assert decision.must_enroll and decision.forced_by_method and decision.asks_for_existing_factor
    # The old factor is asked first, to prove the person...
    assert sign_in(client, alice.email, password).url == MFA
    response = client.post(MFA, {"code": code_now(secret)})
    # ...and then an allowed one must be added: the sign-in is not complete.
    assert response.status_code == 302 and response.url == ENROL
    assert client.get(HOME).status_code == 302
    assert client.post(ENROL, {"later": "1"}).status_code == 403  # forced: no Activate later
    assert client.get(HOME).status_code == 302
    assert not AuditEvent.objects.filter(action="sign_in", subject=alice, outcome="success").exists()
    assert Authenticator.objects.filter(user=alice, type="totp").exists()  # nothing was removed


def test_the_deadline_a_user_is_told_is_the_rollout_still_ahead(alice, deadline, frozen_clock, make_agent) -> None:
    assert user_rollout_deadline(user=alice) == deadline
    assert user_rollout_deadline(user=make_agent(1)) is None  # no firm
    move_to(frozen_clock, deadline)
    assert user_rollout_deadline(user=alice) is None  # reached: Mandatory now
