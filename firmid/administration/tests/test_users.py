"""Practitioners and Client users: the lists, a user's Login tab, activating and resetting MFA."""

from __future__ import annotations

import uuid

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from firmid.accounts.models import Role, User
from firmid.accounts.services import user_create
from firmid.audit.models import AuditEvent
from firmid.mfa.selectors import user_mfa_decision
from firmid.policy import MfaLevel, Status, UserType
from firmid.tenancy.models import Firm
from firmid.tenancy.services import client_company_create, firm_create
from firmid.testing.administration import messages_of, user_url
from firmid.testing.factories import activate, connect_sso, give_factor, set_level
from firmid.testing.signin import sign_in_as
from firmid.testing.state import mfa_state


def main_of(page: str) -> str:
    """The page's own content, without the header's forms (language, sign out)."""
    return page.partition('<main id="main" tabindex="-1">')[2]


def demo_user(email: str) -> User:
    return User.objects.get(email=email)


@pytest.fixture
def alice(demo) -> User:
    """A practitioner of Demo Accounting, whose level is Upon request: Not offered."""
    return demo_user("alice@demo-accounting.test")


@pytest.fixture
def erin(demo) -> User:
    """A practitioner of Northwind Partners, whose practitioners sign in through SSO."""
    return demo_user("erin@northwind.test")


# --- the lists -------------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2])
def test_practitioners_list_shows_practitioners_only_with_their_mfa_status(
    client: Client, signed_in_agent, alice, erin, level
) -> None:
    signed_in_agent(level)
    response = client.get("/administration/practitioners/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Practitioners</h1>" in page
    assert '<a href="/administration/practitioners/" class="active">Practitioners</a>' in page
    assert '<input type="search" id="user-search" name="q" value="">' in page
    for column in ("Name", "Email", "Firm", "Role", "MFA status"):
        assert f'<th scope="col">{column}</th>' in page
    assert f'<a href="{user_url(alice, "security")}">Alice Martin</a>' in page
    assert f'<a href="{user_url(erin, "security")}">Erin Walsh</a>' in page
    assert '<span class="symbol" aria-hidden="true">⇄</span><span>Managed by SSO</span>' in page
    assert '<span class="symbol" aria-hidden="true">–</span><span>Not offered</span>' in page
    assert "bob@client-one.test" not in page and "support.l1@firmid.test" not in page


@pytest.mark.parametrize("level", [1, 2])
def test_client_users_list_shows_administrators_clients_and_employees(
    client: Client, signed_in_agent, demo, level
) -> None:
    signed_in_agent(level)
    page = client.get("/administration/client-users/").content.decode()
    assert "<h1>Client users</h1>" in page
    assert '<a href="/administration/client-users/" class="active">Client users</a>' in page
    for email in (
        "bob@client-one.test",
        "carol@client-one.test",
        "dave@client-one.test",
        "frank@northwind-client.test",
    ):
        assert email in page
    assert "alice@demo-accounting.test" not in page
    assert "Client administrator" in page and "Employee of a client" in page


def test_user_search_matches_email_or_full_name(client: Client, signed_in_agent, demo) -> None:
    signed_in_agent(1)
    by_name = client.get("/administration/client-users/", {"q": "PETIT"}).content.decode()
    assert "carol@client-one.test" in by_name and "bob@client-one.test" not in by_name
    by_email = client.get("/administration/client-users/", {"q": "northwind-cli"}).content.decode()
    assert "frank@northwind-client.test" in by_email and "carol@client-one.test" not in by_email
    assert "No user matches" in client.get("/administration/practitioners/", {"q": "nobody"}).content.decode()


def test_user_list_filters_by_firm_and_ignores_a_malformed_firm(client: Client, signed_in_agent, demo) -> None:
    northwind = Firm.objects.get(name="Northwind Partners")
    signed_in_agent(1)
    page = client.get("/administration/client-users/", {"firm": northwind.pk}).content.decode()
    assert "frank@northwind-client.test" in page and "bob@client-one.test" not in page
    assert f'<option value="{northwind.pk}" selected>Northwind Partners</option>' in page
    assert "Clear the filters" in page
    for bad in ("abc", "-3", "1e9", "99999999999999999999999"):
        response = client.get("/administration/client-users/", {"firm": bad})
        assert response.status_code == 200, bad
    assert "No user matches" in client.get("/administration/client-users/", {"firm": "999999"}).content.decode()


def populate(firm: Firm, count: int) -> None:
    """`count` users of every kind and status: SSO, configured, individually activated."""
    company = client_company_create(firm=firm, name="Big Client")
    roles = [Role.PRACTITIONER, Role.CLIENT_ADMINISTRATOR, Role.STANDARD_CLIENT, Role.CLIENT_EMPLOYEE]
    for n in range(count):
        role = roles[n % len(roles)]
        user = user_create(
            email=f"u{n:03d}@{firm.pk}.test",
            full_name=f"User {n}",
            role=role,
            password=None,
            firm=firm,
            client_company=None if role == Role.PRACTITIONER else company,
        )
        if n % 3 == 0:
            give_factor(user)
        if n % 5 == 0:
            activate(user)


def test_a_page_of_users_costs_the_same_queries_whatever_its_size(
    client: Client, signed_in_agent, django_assert_max_num_queries, db
) -> None:
    small, large = firm_create(name="Small Firm"), firm_create(name="Large Firm")
    connect_sso(large, UserType.CLIENT_EMPLOYEES, issuer="https://idp.large.test")
    set_level(large, UserType.CLIENTS, MfaLevel.SUGGESTED)
    populate(small, 10)
    populate(large, 240)
    signed_in_agent(1)
    client.get("/administration/practitioners/")  # the session's first request writes it: not counted
    counts = {}
    for firm in (small, large):
        for url in ("/administration/practitioners/", "/administration/client-users/"):
            # Session, user with the policy's snapshot, count, page, the firms of the filter
            # (and the firm's client companies), a session save at most once a minute: none per row.
            with django_assert_max_num_queries(9) as captured:
                response = client.get(url, {"firm": firm.pk})
            assert response.status_code == 200
            counts[(firm.name, url)] = len(captured)
    large_page = client.get("/administration/client-users/", {"firm": large.pk}).content.decode()
    assert large_page.count('<td class="user-status">') == 50 and "Page 1 of 4" in large_page
    for url in ("/administration/practitioners/", "/administration/client-users/"):
        assert counts[("Small Firm", url)] == counts[("Large Firm", url)], counts


def test_user_list_is_paginated_by_50(client: Client, signed_in_agent, db) -> None:
    firm = firm_create(name="Paged Firm")
    for n in range(60):
        user_create(email=f"p{n:02d}@paged.test", full_name=f"P {n}", role=Role.PRACTITIONER, password=None, firm=firm)
    signed_in_agent(1)
    first = client.get("/administration/practitioners/").content.decode()
    assert "p49@paged.test" in first and "p50@paged.test" not in first and "Page 1 of 2" in first
    second = client.get("/administration/practitioners/", {"page": "2", "q": "paged"}).content.decode()
    assert "p59@paged.test" in second and "p49@paged.test" not in second
    assert 'href="?page=1&amp;q=paged"' in second
    assert client.get("/administration/practitioners/", {"page": "nope"}).status_code == 200


# --- a user's Login tab ----------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2])
def test_login_tab_shows_the_status(client: Client, signed_in_agent, alice, level) -> None:
    signed_in_agent(level)
    response = client.get(user_url(alice, "security"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Alice Martin" in page and "alice@demo-accounting.test" in page
    assert 'class="current" aria-current="page">Login</a>' in page
    assert '<span class="status status--not_offered">' in page and '<span id="mfa-status">Not offered</span>' in page
    assert "they are not asked to set it up" in page


@pytest.mark.parametrize(
    ("prepare", "status", "action"),
    [
        ("nothing", "Not offered", "Activate MFA for this user"),
        ("suggested", "Suggested", "Activate MFA for this user"),
        ("mandatory", "Forced", "Reset MFA"),
        ("activated", "Forced", "Reset MFA"),
        ("configured", "Configured", "Reset MFA"),
    ],
)
def test_level_2_agent_is_offered_the_action_that_fits_the_status(
    client: Client, signed_in_agent, alice, prepare, status, action
) -> None:
    if prepare in ("suggested", "mandatory"):
        set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel(prepare))
    elif prepare == "activated":
        activate(alice)
    elif prepare == "configured":
        give_factor(alice)
    signed_in_agent(2)
    page = client.get(user_url(alice, "security")).content.decode()
    assert f'id="mfa-status">{status}</span>' in page
    assert action in page
    other = {"Reset MFA", "Activate MFA for this user"} - {action}
    assert other.pop() not in page
    if action == "Reset MFA":
        assert f'<a class="button danger" href="{user_url(alice, "reset-mfa")}">Reset MFA</a>' in page
    else:
        assert f'<form method="post" action="{user_url(alice, "activate-mfa")}">' in page


def test_sso_user_shows_managed_by_sso_and_no_action(client: Client, signed_in_agent, erin) -> None:
    signed_in_agent(3)
    page = client.get(user_url(erin, "security")).content.decode()
    assert 'id="mfa-status">Managed by SSO</span>' in page
    assert "This user signs in through the firm's SSO connection, which manages their MFA." in page
    assert "Activate MFA for this user" not in page and "Reset MFA" not in page


def test_level_1_agent_sees_no_action_on_the_login_tab(client: Client, signed_in_agent, alice) -> None:
    give_factor(alice)
    signed_in_agent(1)
    page = client.get(user_url(alice, "security")).content.decode()
    assert 'id="mfa-status">Configured</span>' in page
    assert "/activate-mfa/" not in page and "/reset-mfa/" not in page
    assert main_of(page).count("<form") == 0


def test_unknown_user_and_support_agents_are_not_found(client: Client, signed_in_agent, demo) -> None:
    agent = signed_in_agent(2)
    for user_id in (uuid.uuid4(), agent.public_id, demo_user("support.l1@firmid.test").public_id):
        response = client.get(f"/administration/users/{user_id}/security/")
        assert response.status_code == 404
        assert "No firm user has this id." in response.content.decode()
    before = mfa_state()
    assert client.post(f"/administration/users/{agent.public_id}/reset-mfa/").status_code == 404
    assert client.post(f"/administration/users/{uuid.uuid4()}/activate-mfa/").status_code == 404
    assert mfa_state() == before
    assert client.get("/administration/users/not-a-uuid/security/").status_code == 404


# --- activating and resetting ----------------------------------------------------------


def test_level_2_agent_activates_mfa_for_a_user(client: Client, signed_in_agent, alice) -> None:
    agent = signed_in_agent(2)
    response = client.post(user_url(alice, "activate-mfa"))
    assert response.status_code == 302 and response.url == user_url(alice, "security")
    assert messages_of(response) == [
        "MFA activated for alice@demo-accounting.test: they will set it up at their next sign-in."
    ]
    alice.refresh_from_db()
    assert alice.mfa_individually_activated
    assert user_mfa_decision(user=alice).status is Status.FORCED
    event = AuditEvent.objects.get(action="mfa_user_activated")
    assert (event.actor, event.subject, event.new_value) == (agent, alice, "Forced")


def test_activating_mfa_of_a_configured_user_is_refused(client: Client, signed_in_agent, alice) -> None:
    give_factor(alice)
    signed_in_agent(2)
    before = mfa_state()
    response = client.post(user_url(alice, "activate-mfa"))
    assert response.status_code == 409
    assert "their status is Configured" in response.content.decode()
    assert mfa_state() == before


def test_activating_mfa_of_an_sso_user_is_refused(client: Client, signed_in_agent, erin) -> None:
    signed_in_agent(3)
    before = mfa_state()
    assert client.post(user_url(erin, "activate-mfa")).status_code == 409
    assert client.post(user_url(erin, "reset-mfa")).status_code == 409
    assert mfa_state() == before


def test_reset_asks_to_confirm_first(client: Client, signed_in_agent, alice) -> None:
    give_factor(alice)
    signed_in_agent(2)
    before = mfa_state()
    page = client.get(user_url(alice, "reset-mfa")).content.decode()
    assert "<h1>Confirm</h1>" in page
    assert "Reset MFA for alice@demo-accounting.test? Then:" in page
    assert "every factor they set up is removed (authenticator app, passkeys, recovery codes)" in page
    assert "every session they have ends and every application's tokens they hold are revoked" in page
    assert (
        "at their next sign-in they sign in with their password only "
        "(the firm's level for Practitioners is Upon request)."
    ) in page
    assert f'<form method="post" action="{user_url(alice, "reset-mfa")}">' in page
    assert '<button type="submit" class="danger">Reset MFA</button>' in page
    assert mfa_state() == before


def test_reset_removes_the_factors_and_signs_the_user_out(client: Client, signed_in_agent, alice) -> None:
    give_factor(alice)
    alices_browser = Client()
    sign_in_as(alices_browser, alice)
    assert alices_browser.get("/my-account/").status_code == 200
    agent = signed_in_agent(2)
    response = client.post(user_url(alice, "reset-mfa"), {"reason": "Lost phone, identity checked"})
    assert response.status_code == 302 and response.url == user_url(alice, "security")
    assert messages_of(response) == ["MFA reset for alice@demo-accounting.test."]
    assert not Authenticator.objects.filter(user=alice).exists()
    assert AuditEvent.objects.filter(action="mfa_reset", actor=agent, subject=alice).exists()
    signed_out = alices_browser.get("/my-account/")
    assert signed_out.status_code == 302 and signed_out.url.startswith("/accounts/login/")
    assert 'id="mfa-status">Not offered</span>' in client.get(user_url(alice, "security")).content.decode()


def test_level_1_agent_forged_post_is_refused_and_changes_nothing(client: Client, signed_in_agent, alice, demo) -> None:
    give_factor(alice)
    bob = demo_user("bob@client-one.test")
    signed_in_agent(1)
    before = mfa_state()
    for url in (
        user_url(bob, "activate-mfa"),
        user_url(alice, "reset-mfa"),
        user_url(alice, "activate-mfa"),
        user_url(bob, "reset-mfa"),
    ):
        response = client.post(url)
        assert response.status_code == 403, url
        assert "Only level 2 and 3 support agents can change MFA settings." in response.content.decode()
    assert client.get(user_url(alice, "reset-mfa")).status_code == 403
    assert mfa_state() == before
    assert Authenticator.objects.filter(user=alice).exists()
