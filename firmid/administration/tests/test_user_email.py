"""Changing a user's address in the Administration application: level 2/3 only, clear refusals."""

from __future__ import annotations

import pytest
from django.test import Client

from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.testing.administration import messages_of, user_url
from firmid.testing.signin import sign_in
from firmid.testing.state import mfa_state

ALICE = "alice@demo-accounting.test"
NEW = "alice.smith@demo-accounting.test"


def email_url(user: User) -> str:
    return f"/administration/users/{user.public_id}/email/"


@pytest.fixture
def alice(demo) -> User:
    return User.objects.get(email=ALICE)


def _addresses() -> list:
    return sorted(User.objects.values_list("pk", "email"))


@pytest.mark.parametrize("level", [2, 3])
def test_level_2_and_3_change_the_address_and_go_back_to_the_login_tab(
    client: Client, signed_in_agent, alice, level: int
) -> None:
    agent = signed_in_agent(level)
    page = client.get(email_url(alice))
    assert page.status_code == 200 and ALICE in page.content.decode()
    response = client.post(email_url(alice), {"email": NEW})
    assert response.status_code == 302 and response.url == f"/administration/users/{alice.public_id}/security/"
    assert User.objects.get(pk=alice.pk).email == NEW
    assert AuditEvent.objects.get(action="email_changed").actor_id == agent.pk
    assert any(NEW in m for m in messages_of(response))


def test_level_1_can_neither_see_nor_post_the_form(client: Client, signed_in_agent, alice) -> None:
    signed_in_agent(1)
    before = _addresses(), mfa_state()
    assert client.get(email_url(alice)).status_code == 403
    assert client.post(email_url(alice), {"email": NEW}).status_code == 403
    assert (_addresses(), mfa_state()) == before


def test_firm_user_cannot_reach_the_form(client: Client, alice, password) -> None:
    sign_in(client, ALICE, password)
    before = _addresses()
    assert client.post(email_url(alice), {"email": NEW}).status_code == 403
    assert _addresses() == before


@pytest.mark.parametrize(
    ("email", "status", "says"),
    [
        ("not-an-address", 400, "valid email address"),
        ("", 400, "valid email address"),
        ("BOB@client-one.test", 409, "Another account already uses bob@client-one.test"),
        (ALICE, 400, "already the user&#x27;s address"),
    ],
)
def test_refused_address_shows_the_form_again_with_the_reason(
    client: Client, signed_in_agent, alice, email, status, says
) -> None:
    signed_in_agent(2)
    before = _addresses()
    response = client.post(email_url(alice), {"email": email})
    assert response.status_code == status
    page = response.content.decode()
    assert says in page and 'id="new-email"' in page
    assert _addresses() == before


def test_agent_addresses_are_not_reached_here(client: Client, signed_in_agent) -> None:
    agent = signed_in_agent(3)
    assert client.get(email_url(agent)).status_code == 404
    assert client.post(email_url(agent), {"email": "other@firmid.test"}).status_code == 404


@pytest.mark.parametrize(("level", "linked"), [(1, False), (2, True), (3, True)])
def test_login_tab_links_to_the_address_change_for_level_2_and_3_only(
    client: Client, signed_in_agent, alice, level: int, linked: bool
) -> None:
    signed_in_agent(level)
    page = client.get(user_url(alice, "security")).content.decode()
    assert (email_url(alice) in page) is linked
