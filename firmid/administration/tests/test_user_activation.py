"""The Login tab says why a user is Forced; level 2/3 agents undo an activation; Reset says what follows."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.http import HttpResponse
from django.test import Client

from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.mfa.selectors import user_mfa_decision
from firmid.policy import MfaLevel, Status, UserType
from firmid.testing import factories
from firmid.testing.administration import messages_of, user_url
from firmid.testing.factories import give_factor, set_level
from firmid.testing.signin import sign_in_as
from firmid.testing.state import mfa_state

BY_LEVEL = "Forced by the firm's level for Practitioners (Mandatory)"
BY_ACTIVATION = "Forced because MFA was activated for this user by support"
DEACTIVATE = "Deactivate MFA for this user"


def page_of(response: HttpResponse) -> str:
    """The page's text, with the apostrophes Django escapes in values read back as apostrophes."""
    return response.content.decode().replace("&#x27;", "'")


def activate(user: User) -> User:
    factories.activate(user)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def alice(demo) -> User:
    """A practitioner of Demo Accounting, whose level is Upon request: Not offered."""
    return User.objects.get(email="alice@demo-accounting.test")


@pytest.fixture
def erin(demo) -> User:
    """A practitioner of Northwind Partners, whose practitioners sign in through SSO."""
    return User.objects.get(email="erin@northwind.test")


# --- why a user is Forced ---------------------------------------------------------------


@pytest.mark.parametrize("agent_level", [1, 2, 3])
def test_login_tab_says_a_user_is_forced_by_the_firms_level(
    client: Client, signed_in_agent, alice, agent_level
) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    signed_in_agent(agent_level)
    page = page_of(client.get(user_url(alice, "security")))
    assert 'id="mfa-status">Forced</span>' in page
    assert f"<li>{BY_LEVEL}</li>" in page
    assert BY_ACTIVATION not in page
    assert DEACTIVATE not in page  # nothing to undo: the firm's level is changed on the firm's page


@pytest.mark.parametrize("agent_level", [1, 2, 3])
def test_login_tab_says_a_user_is_forced_by_an_individual_activation(
    client: Client, signed_in_agent, alice, agent_level
) -> None:
    activate(alice)
    signed_in_agent(agent_level)
    page = page_of(client.get(user_url(alice, "security")))
    assert 'id="mfa-status">Forced</span>' in page
    assert f"<li>{BY_ACTIVATION}</li>" in page
    assert "Forced by the firm's level" not in page


def test_login_tab_says_both_reasons_when_both_hold(client: Client, signed_in_agent, alice) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    activate(alice)
    signed_in_agent(1)
    page = page_of(client.get(user_url(alice, "security")))
    assert f"<li>{BY_LEVEL}</li>" in page and f"<li>{BY_ACTIVATION}</li>" in page


def test_login_tab_names_the_user_type_of_a_client_user(client: Client, signed_in_agent, demo) -> None:
    bob = User.objects.get(email="bob@client-one.test")
    set_level(bob.firm, UserType.CLIENTS, MfaLevel.MANDATORY)
    signed_in_agent(1)
    page = page_of(client.get(user_url(bob, "security")))
    assert "Forced by the firm's level for Administrator clients and standard clients (Mandatory)" in page


def test_login_tab_of_a_configured_user_says_mfa_was_also_activated(client: Client, signed_in_agent, alice) -> None:
    give_factor(activate(alice))
    signed_in_agent(2)
    page = page_of(client.get(user_url(alice, "security")))
    assert 'id="mfa-status">Configured</span>' in page
    assert "<li>MFA was also activated for this user by support</li>" in page
    assert f'<a class="button secondary" href="{user_url(alice, "deactivate-mfa")}">{DEACTIVATE}</a>' in page


def test_level_1_agent_sees_why_a_user_is_forced_but_no_button(client: Client, signed_in_agent, alice) -> None:
    activate(alice)
    signed_in_agent(1)
    page = page_of(client.get(user_url(alice, "security")))
    assert BY_ACTIVATION in page
    assert DEACTIVATE not in page and "/deactivate-mfa/" not in page and "/reset-mfa/" not in page
    assert "level 2 and 3 support agents can activate, deactivate or reset a user's MFA" in page
    assert page.partition('<main id="main" tabindex="-1">')[2].count("<form") == 0


# --- undoing an individual activation ---------------------------------------------------


def test_level_2_agent_is_offered_to_deactivate_an_individual_activation(
    client: Client, signed_in_agent, alice
) -> None:
    activate(alice)
    signed_in_agent(2)
    page = page_of(client.get(user_url(alice, "security")))
    assert f'<a class="button secondary" href="{user_url(alice, "deactivate-mfa")}">{DEACTIVATE}</a>' in page


def test_deactivating_asks_to_confirm_first_and_says_what_follows(client: Client, signed_in_agent, alice) -> None:
    activate(alice)
    signed_in_agent(2)
    before = mfa_state()
    page = page_of(client.get(user_url(alice, "deactivate-mfa")))
    assert "<h1>Confirm</h1>" in page
    assert (
        "Deactivate MFA for alice@demo-accounting.test? MFA was activated for this user by support; "
        "undoing it lowers their protection."
    ) in page
    assert (
        "At their next sign-in they sign in with their password only "
        "(the firm's level for Practitioners is Upon request)."
    ) in page
    assert "Deactivating never removes MFA a user configured" in page
    assert f'<form method="post" action="{user_url(alice, "deactivate-mfa")}" class="actions">' in page
    assert mfa_state() == before


def test_level_2_agent_deactivates_an_individual_activation_and_it_is_audited(
    client: Client, signed_in_agent, alice
) -> None:
    activate(alice)
    agent = signed_in_agent(2)
    response = client.post(user_url(alice, "deactivate-mfa"))
    assert response.status_code == 302 and response.url == user_url(alice, "security")
    assert messages_of(response) == [
        "MFA deactivated for alice@demo-accounting.test: it is no longer activated for them individually."
    ]
    alice.refresh_from_db()
    assert not alice.mfa_individually_activated
    assert user_mfa_decision(user=alice).status is Status.NOT_OFFERED
    event = AuditEvent.objects.get(action="mfa_user_deactivated")
    assert (event.actor, event.subject, event.old_value, event.new_value) == (agent, alice, "Forced", "Not offered")
    assert 'id="mfa-status">Not offered</span>' in page_of(client.get(user_url(alice, "security")))


def test_deactivating_keeps_the_factor_the_user_configured(client: Client, signed_in_agent, alice) -> None:
    give_factor(activate(alice))
    signed_in_agent(3)
    page = page_of(client.get(user_url(alice, "deactivate-mfa")))
    assert (
        "They keep the factor they set up: deactivating never removes MFA a user configured, "
        "so they are still asked for its code at every sign-in."
    ) in page
    assert client.post(user_url(alice, "deactivate-mfa")).status_code == 302
    assert Authenticator.objects.filter(user=alice).exists()
    assert user_mfa_decision(user=alice).status is Status.CONFIGURED


def test_deactivate_confirm_says_the_firms_level_still_forces_set_up(client: Client, signed_in_agent, alice) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    activate(alice)
    signed_in_agent(2)
    page = page_of(client.get(user_url(alice, "deactivate-mfa")))
    assert (
        "At their next sign-in they must set MFA up before they can sign in to any application "
        "(the firm's level for Practitioners is Mandatory)."
    ) in page
    client.post(user_url(alice, "deactivate-mfa"))
    assert 'id="mfa-status">Forced</span>' in page_of(client.get(user_url(alice, "security")))


def test_level_1_agent_forged_deactivate_post_is_refused_and_changes_nothing(
    client: Client, signed_in_agent, alice
) -> None:
    activate(alice)
    signed_in_agent(1)
    before = mfa_state()
    response = client.post(user_url(alice, "deactivate-mfa"))
    assert response.status_code == 403
    assert "Only level 2 and 3 support agents can change MFA settings." in response.content.decode()
    assert client.get(user_url(alice, "deactivate-mfa")).status_code == 403
    assert mfa_state() == before
    assert User.objects.get(pk=alice.pk).mfa_individually_activated


def test_firm_user_forging_a_deactivate_post_is_refused(alice, demo) -> None:
    activate(alice)
    bob, own = Client(), Client()
    sign_in_as(bob, User.objects.get(email="bob@client-one.test"))
    sign_in_as(own, alice)
    before = mfa_state()
    # A firm user who may sign in: the Administration application refuses them.
    response = bob.post(user_url(alice, "deactivate-mfa"))
    assert response.status_code == 403
    assert "The Administration application is for support staff only." in page_of(response)
    anonymous = Client().post(user_url(alice, "deactivate-mfa"))
    assert anonymous.status_code == 302 and anonymous.url.startswith("/accounts/login/")
    assert mfa_state() == before
    # Alice herself, Forced without a factor: the session policy signs her out before any view.
    refused = own.post(user_url(alice, "deactivate-mfa"))
    assert refused.status_code == 302 and refused.url.startswith("/accounts/login/")
    assert User.objects.get(pk=alice.pk).mfa_individually_activated
    assert not AuditEvent.objects.filter(action="mfa_user_deactivated").exists()


def test_cross_site_deactivate_post_without_csrf_token_is_refused(make_agent, alice) -> None:
    activate(alice)
    agent = make_agent(2)
    give_factor(agent)
    browser = Client(enforce_csrf_checks=True)
    sign_in_as(browser, agent)
    before = mfa_state()
    assert browser.post(user_url(alice, "deactivate-mfa")).status_code == 403
    assert mfa_state() == before


def test_deactivating_mfa_of_an_sso_user_is_refused(client: Client, signed_in_agent, erin) -> None:
    activate(erin)
    signed_in_agent(3)
    before = mfa_state()
    for response in (client.get(user_url(erin, "deactivate-mfa")), client.post(user_url(erin, "deactivate-mfa"))):
        assert response.status_code == 409
        assert "identity provider manages MFA, so it cannot be deactivated here" in page_of(response)
    assert mfa_state() == before
    assert DEACTIVATE not in page_of(client.get(user_url(erin, "security")))


def test_deactivating_without_an_individual_activation_is_refused_before_confirm(
    client: Client, signed_in_agent, alice
) -> None:
    signed_in_agent(2)
    before = mfa_state()
    for response in (client.get(user_url(alice, "deactivate-mfa")), client.post(user_url(alice, "deactivate-mfa"))):
        assert response.status_code == 409
        assert "MFA was not activated for this user" in response.content.decode()
    assert mfa_state() == before


# --- what a reset leads to --------------------------------------------------------------

NEXT_SIGN_IN = {
    (MfaLevel.UPON_REQUEST, False): (
        "they sign in with their password only (the firm's level for Practitioners is Upon request)"
    ),
    (MfaLevel.SUGGESTED, False): (
        "they are offered to set MFA up, with Activate later (the firm's level for Practitioners is Suggested)"
    ),
    (MfaLevel.MANDATORY, False): (
        "they must set MFA up again before they can sign in to any application "
        "(the firm's level for Practitioners is Mandatory)"
    ),
    (MfaLevel.UPON_REQUEST, True): (
        "they must set MFA up again before they can sign in to any application "
        "(MFA stays activated for this user by support)"
    ),
    (MfaLevel.MANDATORY, True): (
        "they must set MFA up again before they can sign in to any application "
        "(the firm's level for Practitioners is Mandatory, and MFA stays activated for this user by support)"
    ),
}
STATUS_AFTER_RESET = {
    MfaLevel.UPON_REQUEST: "Not offered",
    MfaLevel.SUGGESTED: "Suggested",
    MfaLevel.MANDATORY: "Forced",
}


@pytest.mark.parametrize(("level", "activated"), list(NEXT_SIGN_IN))
def test_reset_confirm_says_truthfully_what_the_next_sign_in_asks(
    client: Client, signed_in_agent, alice, level, activated
) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, level)
    if activated:
        activate(alice)
    give_factor(alice)
    signed_in_agent(2)
    page = page_of(client.get(user_url(alice, "reset-mfa")))
    assert "every factor they set up is removed (authenticator app, passkeys, recovery codes)" in page
    assert "every session they have ends and every application's tokens they hold are revoked" in page
    assert f"at their next sign-in {NEXT_SIGN_IN[level, activated]}." in page
    # What the page said is what the reset does.
    assert client.post(user_url(alice, "reset-mfa"), {"reason": "Lost phone"}).status_code == 302
    expected = "Forced" if activated else STATUS_AFTER_RESET[level]
    assert f'id="mfa-status">{expected}</span>' in page_of(client.get(user_url(alice, "security")))


def test_reset_of_an_activated_user_does_not_claim_the_firms_level_alone_applies(
    client: Client, signed_in_agent, alice
) -> None:
    give_factor(activate(alice))
    signed_in_agent(2)
    page = page_of(client.get(user_url(alice, "reset-mfa")))
    assert "the firm's MFA level applies again" not in page
    assert "MFA stays activated for this user by support" in page


def test_reset_confirm_of_a_user_who_never_set_mfa_up_does_not_say_again(
    client: Client, signed_in_agent, alice
) -> None:
    activate(alice)
    signed_in_agent(2)
    page = page_of(client.get(user_url(alice, "reset-mfa")))
    assert "at their next sign-in they must set MFA up before they can sign in to any application" in page
