"""The firm list's levels, SSO and filters; the user lists' filters and status pills; their query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.utils import formats, timezone

from firmid.accounts.models import Role, User
from firmid.accounts.selectors import UserKind
from firmid.accounts.services import user_create
from firmid.administration.selectors import users_filtered
from firmid.administration.status import status_pill
from firmid.core import clock
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import user_mfa_decision
from firmid.policy import Decision, ForcedBy, MfaLevel, Status, UserType
from firmid.policy.decision import Action
from firmid.tenancy.models import Firm
from firmid.tenancy.services import client_company_create, firm_create
from firmid.testing.factories import activate, connect_sso, give_factor, set_level

FIRMS = "/administration/firms/"
PRACTITIONERS = "/administration/practitioners/"
CLIENT_USERS = "/administration/client-users/"
LISTED_FIRM = re.compile(r'<a href="/administration/firms/\d+/security/">([^<]+)</a></td>')
LISTED_USER = re.compile(r'<a href="/administration/users/[0-9a-f-]+/security/">([^<]+)</a>')


def listed_firms(client: Client, **params: object) -> set[str]:
    response = client.get(FIRMS, params)
    assert response.status_code == 200, params
    return set(LISTED_FIRM.findall(response.content.decode()))


def listed_users(client: Client, url: str, **params: object) -> set[str]:
    response = client.get(url, params)
    assert response.status_code == 200, params
    return set(LISTED_USER.findall(response.content.decode()))


def rollout(firm: Firm, user_type: UserType, days: int) -> None:
    set_level(firm, user_type, MfaLevel.MANDATORY)
    FirmMfaLevel.objects.filter(firm=firm, user_type=user_type.value).update(
        mandatory_from=clock.now() + timedelta(days=days)
    )


@pytest.fixture
def firms(demo) -> dict[str, Firm]:
    """Demo Accounting (Upon request everywhere), Northwind (practitioners under SSO) and three more."""
    alpha, beta, gamma = (firm_create(name=name) for name in ("Alpha Audit", "Beta Conseil", "Gamma Expertise"))
    set_level(alpha, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    set_level(beta, UserType.CLIENTS, MfaLevel.SUGGESTED)
    rollout(gamma, UserType.CLIENT_EMPLOYEES, 30)
    return {firm.name: firm for firm in Firm.objects.all()}


# --- the firm list --------------------------------------------------------------------


def test_firm_list_shows_each_types_level_and_sso_at_a_glance(client: Client, signed_in_agent, firms) -> None:
    signed_in_agent(1)
    page = client.get(FIRMS).content.decode()
    for header in ("Practitioners", "Clients", "Client employees"):
        assert f'<th scope="col">{header}</th>' in page
    rows = {name: row for row in page.split("<tr>")[2:] for name in LISTED_FIRM.findall(row)}
    mandatory = '<span class="level level--mandatory"><span class="symbol" aria-hidden="true">●</span>Mandatory</span>'
    assert mandatory in rows["Alpha Audit"]
    assert (
        '<span class="level level--suggested"><span class="symbol" aria-hidden="true">◐</span>Suggested'
        in (rows["Beta Conseil"])
    )
    day = formats.date_format(timezone.localtime(clock.now() + timedelta(days=30)), "DATE_FORMAT")
    assert f'{mandatory}<span class="status-source">from {day}</span>' in rows["Gamma Expertise"]
    sso = '<span class="status status--managed_by_sso"><span class="symbol" aria-hidden="true">⇄</span>SSO</span>'
    assert rows["Northwind Partners"].count(sso) == 1
    assert rows["Demo Accounting"].count("level--upon_request") == 3 and sso not in rows["Demo Accounting"]


def test_each_firm_filter_narrows_the_list(client: Client, signed_in_agent, firms) -> None:
    signed_in_agent(1)
    everyone = set(firms)
    assert listed_firms(client) == everyone
    assert listed_firms(client, level="mandatory") == {"Alpha Audit", "Gamma Expertise"}
    assert listed_firms(client, level="suggested") == {"Beta Conseil"}
    assert listed_firms(client, sso="enabled") == {"Northwind Partners"}
    assert listed_firms(client, sso="none") == everyone - {"Northwind Partners"}
    assert listed_firms(client, q="conseil") == {"Beta Conseil"}
    # Upon request everywhere: only Demo Accounting; Northwind's practitioners are under SSO.
    upon_request = {"Demo Accounting", "Beta Conseil", "Gamma Expertise", "Northwind Partners", "Alpha Audit"}
    assert listed_firms(client, level="upon_request") == upon_request  # some type at Upon request in each


def test_firm_filters_combine(client: Client, signed_in_agent, firms) -> None:
    signed_in_agent(1)
    assert listed_firms(client, level="mandatory", user_type="practitioners") == {"Alpha Audit"}
    assert listed_firms(client, level="mandatory", user_type="client_employees") == {"Gamma Expertise"}
    # A type under SSO has no level that applies: Northwind's practitioners are not "Upon request".
    assert listed_firms(client, level="upon_request", user_type="practitioners") == {
        "Demo Accounting",
        "Beta Conseil",
        "Gamma Expertise",
    }
    assert listed_firms(client, sso="enabled", user_type="clients") == set()
    assert listed_firms(client, sso="none", user_type="clients") == set(firms)
    assert listed_firms(client, q="a", level="mandatory", sso="none") == {"Alpha Audit", "Gamma Expertise"}
    assert listed_firms(client, q="alpha", level="suggested") == set()


@pytest.mark.parametrize(
    "params",
    [{"level": "high"}, {"sso": "maybe"}, {"user_type": "robots"}, {"level": ["x", "y"]}, {"page": "abc"}],
)
def test_a_bad_firm_filter_is_ignored_never_an_error(client: Client, signed_in_agent, firms, params) -> None:
    signed_in_agent(1)
    assert listed_firms(client, **params) == set(firms)


def test_firm_list_costs_the_same_queries_whatever_the_page_holds(
    client: Client, signed_in_agent, django_assert_max_num_queries, db
) -> None:
    signed_in_agent(1)
    client.get(FIRMS)  # the session's first request writes it: not counted
    counts = []
    for n in (2, 25):
        for i in range(n):
            firm = firm_create(name=f"Firm {n} {i:02d}")
            set_level(firm, UserType.PRACTITIONERS, MfaLevel.SUGGESTED)
            connect_sso(firm, UserType.CLIENT_EMPLOYEES, issuer=f"https://idp{n}-{i}.test")
        for params in ({}, {"level": "suggested", "sso": "enabled", "user_type": "practitioners"}):
            # Session, agent with the snapshot, count, page, levels, SSO connections: none per firm.
            with django_assert_max_num_queries(8) as captured:
                response = client.get(FIRMS, params)
            assert response.status_code == 200
            counts.append(len(captured))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts


# --- the user lists -------------------------------------------------------------------


@pytest.fixture
def people(db) -> dict[str, User]:
    """Users of two firms in every status, with two client companies at Acme."""
    acme, other = firm_create(name="Acme"), firm_create(name="Other Firm")
    north, south = client_company_create(firm=acme, name="North Co"), client_company_create(firm=acme, name="South Co")
    set_level(acme, UserType.CLIENTS, MfaLevel.SUGGESTED)
    set_level(other, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    rollout(acme, UserType.PRACTITIONERS, 10)
    connect_sso(other, UserType.CLIENT_EMPLOYEES, issuer="https://idp.other.test")

    def make(name: str, role: str, firm: Firm, company=None) -> User:
        email = f"{name.lower().replace(' ', '.')}@{firm.name.lower().replace(' ', '-')}.test"
        return user_create(email=email, full_name=name, role=role, password=None, firm=firm, client_company=company)

    users = {
        "Paul Rollout": make("Paul Rollout", Role.PRACTITIONER, acme),  # Suggested: rollout ahead
        "Pia Configured": make("Pia Configured", Role.PRACTITIONER, acme),
        "Pierre Forced": make("Pierre Forced", Role.PRACTITIONER, other),  # Mandatory now
        "Carla North": make("Carla North", Role.CLIENT_ADMINISTRATOR, acme, north),  # Suggested
        "Chris South": make("Chris South", Role.STANDARD_CLIENT, acme, south),  # Suggested, activated: Forced
        "Eve North": make("Eve North", Role.CLIENT_EMPLOYEE, acme, north),  # Not offered
        "Emil Other": make("Emil Other", Role.CLIENT_EMPLOYEE, other, client_company_create(firm=other, name="O Co")),
    }
    give_factor(users["Pia Configured"])
    activate(users["Chris South"])
    return users


def test_the_status_filter_is_the_decision_itself(people) -> None:
    """Every status lists exactly the users `decide` gives it; together they list everyone once."""
    FirmMfaLevel.objects.filter(firm__name="Other Firm", user_type="practitioners").update(allowed_methods="webauthn")
    give_factor(people["Pierre Forced"])  # an authenticator app the firm no longer allows: Forced
    give_factor(people["Pia Configured"], Authenticator.Type.WEBAUTHN)
    seen: list[str] = []
    for kind in UserKind:
        expected = {u.full_name: user_mfa_decision(user=u).status for u in people.values()}
        for status in Status:
            listed = {u.full_name for u in users_filtered(kind=kind, status=status)}
            assert all(expected[name] is status for name in listed), (kind, status, listed)
            seen += listed
    assert sorted(seen) == sorted(people)


def test_each_user_filter_narrows_the_list(client: Client, signed_in_agent, people) -> None:
    acme, other = Firm.objects.get(name="Acme"), Firm.objects.get(name="Other Firm")
    north = acme.client_companies.get(name="North Co")
    signed_in_agent(1)
    assert listed_users(client, PRACTITIONERS) == {"Paul Rollout", "Pia Configured", "Pierre Forced"}
    assert listed_users(client, PRACTITIONERS, firm=other.pk) == {"Pierre Forced"}
    assert listed_users(client, PRACTITIONERS, status="suggested") == {"Paul Rollout"}
    assert listed_users(client, PRACTITIONERS, status="configured") == {"Pia Configured"}
    assert listed_users(client, CLIENT_USERS, company=north.pk) == {"Carla North", "Eve North"}
    assert listed_users(client, CLIENT_USERS, user_type="client_employees") == {"Eve North", "Emil Other"}
    assert listed_users(client, CLIENT_USERS, status="forced") == {"Chris South"}
    assert listed_users(client, CLIENT_USERS, status="managed_by_sso") == {"Emil Other"}
    assert listed_users(client, CLIENT_USERS, status="not_offered") == {"Eve North"}


def test_user_filters_combine(client: Client, signed_in_agent, people) -> None:
    acme = Firm.objects.get(name="Acme")
    north = acme.client_companies.get(name="North Co")
    signed_in_agent(1)
    assert listed_users(client, CLIENT_USERS, firm=acme.pk, status="suggested") == {"Carla North"}
    assert listed_users(client, CLIENT_USERS, firm=acme.pk, user_type="clients") == {"Carla North", "Chris South"}
    assert listed_users(client, CLIENT_USERS, company=north.pk, user_type="clients", status="suggested") == {
        "Carla North"
    }
    assert listed_users(client, CLIENT_USERS, q="south", status="forced") == {"Chris South"}
    assert listed_users(client, CLIENT_USERS, company=north.pk, status="forced") == set()
    # The company select lists the chosen firm's companies only.
    page = client.get(CLIENT_USERS, {"firm": acme.pk}).content.decode()
    assert f'<option value="{north.pk}">North Co</option>' in page and "O Co" not in page


@pytest.mark.parametrize(
    "params",
    [{"status": "happy"}, {"user_type": "robots"}, {"company": "abc"}, {"firm": "-1"}, {"status": ["x", "y"]}],
)
def test_a_bad_user_filter_is_ignored_never_an_error(client: Client, signed_in_agent, people, params) -> None:
    signed_in_agent(1)
    assert listed_users(client, CLIENT_USERS, **params) == listed_users(client, CLIENT_USERS)


def test_practitioners_are_not_filtered_by_a_client_type_or_company(client: Client, signed_in_agent, people) -> None:
    north = Firm.objects.get(name="Acme").client_companies.get(name="North Co")
    signed_in_agent(1)
    everyone = {"Paul Rollout", "Pia Configured", "Pierre Forced"}
    assert listed_users(client, PRACTITIONERS, user_type="clients", company=north.pk) == everyone
    assert 'name="company"' not in client.get(PRACTITIONERS).content.decode()


def test_status_filtered_lists_cost_the_same_queries_whatever_their_size(
    client: Client, signed_in_agent, people, django_assert_max_num_queries
) -> None:
    acme = Firm.objects.get(name="Acme")
    signed_in_agent(1)
    client.get(PRACTITIONERS)
    counts = []
    for n in (1, 60):
        for i in range(n):
            user_create(
                email=f"x{n}-{i}@acme.test", full_name=f"X {i}", role=Role.PRACTITIONER, password=None, firm=acme
            )
        with django_assert_max_num_queries(8) as captured:
            page = client.get(PRACTITIONERS, {"status": "suggested", "firm": acme.pk}).content.decode()
        counts.append(len(captured))
    assert "Page 1 of 2" in page
    assert counts[0] == counts[1], counts


# --- the status pills -----------------------------------------------------------------


def pill_of(status: Status, *forced_by: ForcedBy, action: Action = Action.NONE, **options) -> list[str]:
    level = options.pop("level", MfaLevel.UPON_REQUEST)
    pill = status_pill(Decision(action, status, frozenset(forced_by)), level=level, now=clock.now(), **options)
    return list(pill.sources)


def test_each_pill_says_where_its_status_comes_from(db) -> None:
    later = clock.now() + timedelta(days=31)
    day = formats.date_format(timezone.localtime(later), "DATE_FORMAT")
    assert pill_of(Status.NOT_OFFERED, mandatory_from=None) == ["Firm level: Upon request"]
    assert pill_of(Status.SUGGESTED, level=MfaLevel.SUGGESTED, mandatory_from=None) == ["Firm level: Suggested"]
    assert pill_of(Status.SUGGESTED, level=MfaLevel.MANDATORY, mandatory_from=later) == [f"Mandatory from {day}"]
    assert pill_of(Status.FORCED, ForcedBy.FIRM_LEVEL, level=MfaLevel.MANDATORY, mandatory_from=None) == [
        "Firm level: Mandatory"
    ]
    assert pill_of(Status.FORCED, ForcedBy.INDIVIDUAL_ACTIVATION, mandatory_from=None) == [
        "Individual activation by support"
    ]
    assert pill_of(Status.FORCED, ForcedBy.METHOD_NOT_ALLOWED, mandatory_from=None) == [
        "A factor the firm no longer allows"
    ]
    assert pill_of(
        Status.CONFIGURED, ForcedBy.FIRM_LEVEL, level=MfaLevel.MANDATORY, mandatory_from=None, action=Action.VERIFY
    ) == ["Set up by the user", "Firm level: Mandatory"]
    assert pill_of(Status.MANAGED_BY_SSO, mandatory_from=None, action=Action.SSO) == [
        "The firm's SSO: its identity provider manages MFA"
    ]


def test_the_pills_on_the_list_name_a_symbol_the_word_and_the_source(client: Client, signed_in_agent, people) -> None:
    signed_in_agent(1)
    page = client.get(CLIENT_USERS).content.decode().replace("&#x27;", "'")
    assert (
        '<span class="status status--forced"><span class="symbol" aria-hidden="true">!</span><span>Forced</span></span>'
        '<span class="status-source">Individual activation by support</span>'
    ) in page
    assert '<span>Managed by SSO</span></span><span class="status-source">The firm\'s SSO' in page
    assert '<span class="symbol" aria-hidden="true">–</span><span>Not offered</span></span>' in page
    practitioners = client.get(PRACTITIONERS).content.decode()
    assert '<span class="symbol" aria-hidden="true">✓</span><span>Configured</span>' in practitioners
    day = formats.date_format(
        timezone.localtime(FirmMfaLevel.objects.get(firm__name="Acme", user_type="practitioners").mandatory_from),
        "DATE_FORMAT",
    )
    assert f'<span>Suggested</span></span><span class="status-source">Mandatory from {day}</span>' in practitioners


def test_the_user_page_pill_says_the_source_too(client: Client, signed_in_agent, people) -> None:
    signed_in_agent(1)
    user = people["Chris South"]
    page = client.get(f"/administration/users/{user.public_id}/security/").content.decode()
    assert (
        '<span id="mfa-status">Forced</span></span><span class="status-source">Individual activation by support' in page
    )
