"""Accounting firm: the list, the Authentication and security tab and the audit trail."""

from __future__ import annotations

import pytest
from django.test import Client

from firmid.audit.models import AuditEvent
from firmid.mfa.levels.selectors import firm_mfa_levels
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm
from firmid.tenancy.services import firm_create
from firmid.testing.administration import messages_of
from firmid.testing.factories import set_level
from firmid.testing.state import mfa_state

CONFIRM_TEXT = (
    "Moving a user type to Upon request deactivates MFA at the firm level for its users. "
    "Users who already configured MFA keep it and are still asked for their code."
)


def security_url(firm: Firm) -> str:
    return f"/administration/firms/{firm.pk}/security/"


def level_of(firm: Firm, user_type: UserType) -> MfaLevel:
    return firm_mfa_levels(firm=firm)[user_type]


# --- the list ------------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2])
def test_firm_list_links_each_firm_to_its_security_tab(client: Client, signed_in_agent, demo_firm, level) -> None:
    signed_in_agent(level)
    page = client.get("/administration/firms/").content.decode()
    assert "<h1>Accounting firms</h1>" in page
    assert '<label for="firm-search">Search firms</label>' in page
    assert '<input type="search" id="firm-search" name="q" value="">' in page
    assert f'<a href="/administration/firms/{demo_firm.pk}/security/">Demo Accounting</a>' in page
    assert "Northwind Partners" in page


def test_firm_search_matches_part_of_the_name(client: Client, signed_in_agent, demo) -> None:
    signed_in_agent(1)
    page = client.get("/administration/firms/", {"q": "northw"}).content.decode()
    assert "Northwind Partners" in page and "Demo Accounting" not in page
    assert "No accounting firm matches" in client.get("/administration/firms/", {"q": "zzz"}).content.decode()


def test_firm_list_is_paginated_and_bad_page_numbers_never_fail(client: Client, signed_in_agent, db) -> None:
    for n in range(30):
        firm_create(name=f"Firm {n:02d}")
    signed_in_agent(1)
    first = client.get("/administration/firms/").content.decode()
    assert "Firm 24" in first and "Firm 25" not in first and "Page 1 of 2" in first
    second = client.get("/administration/firms/", {"page": "2"}).content.decode()
    assert "Firm 25" in second and "Firm 24" not in second
    for bad in ("999", "0", "-1", "abc", ""):
        response = client.get("/administration/firms/", {"page": bad})
        assert response.status_code == 200, bad


# --- the Authentication and security tab ---------------------------------------------


def test_level_2_agent_sees_a_choice_of_levels_for_each_user_type(client: Client, signed_in_agent, demo_firm) -> None:
    set_level(demo_firm, UserType.CLIENTS, MfaLevel.SUGGESTED)
    signed_in_agent(2)
    response = client.get(security_url(demo_firm))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Demo Accounting</h1>" in page
    assert 'class="current" aria-current="page">Authentication and security</a>' in page
    assert f'<a href="/administration/firms/{demo_firm.pk}/audit/">Audit trail</a>' in page
    assert page.count("<fieldset>") == 3
    for label in ("Practitioners", "Administrator clients and standard clients"):
        assert f"<legend>{label}</legend>" in page
    assert "<legend>Employees of the accounting firm&#x27;s clients</legend>" in page
    assert (
        '<input type="radio" name="level_clients" value="suggested" aria-describedby="meaning-level_clients-suggested" checked> Suggested</label>'
        in page
    )
    assert (
        '<input type="radio" name="level_practitioners" value="upon_request" aria-describedby="meaning-level_practitioners-upon_request" checked> Upon request'
        in page
    )
    assert (
        '<input type="radio" name="level_practitioners" value="mandatory" aria-describedby="meaning-level_practitioners-mandatory"> Mandatory'
        in page
    )
    assert '<button type="submit">Save</button>' in page


def test_level_1_agent_sees_the_levels_as_text_without_a_form(client: Client, signed_in_agent, demo_firm) -> None:
    set_level(demo_firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    signed_in_agent(1)
    response = client.get(security_url(demo_firm))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Practitioners: Mandatory" in page
    assert "Administrator clients and standard clients: Upon request" in page
    assert "You can view these settings; level 2 and 3 support agents can change them." in page
    assert 'type="radio"' not in page and ">Save</button>" not in page and "<fieldset>" not in page


def test_level_2_agent_saves_mandatory(client: Client, signed_in_agent, demo_firm) -> None:
    agent = signed_in_agent(2)
    response = client.post(security_url(demo_firm), {"level_practitioners": "mandatory"})
    assert response.status_code == 302 and response.url == security_url(demo_firm)
    assert messages_of(response) == ["Saved: Practitioners: Upon request → Mandatory."]
    row = FirmMfaLevel.objects.get(firm=demo_firm, user_type="practitioners")
    assert row.level == "mandatory"
    event = AuditEvent.objects.get(action="mfa_level_changed")
    assert (event.actor, event.actor_email, event.firm) == (agent, agent.email, demo_firm)
    assert (event.user_type, event.old_value, event.new_value) == ("practitioners", "upon_request", "mandatory")
    assert "Saved: Practitioners: Upon request → Mandatory." in client.get(response.url).content.decode()


def test_saving_the_same_levels_says_nothing_to_save(client: Client, signed_in_agent, demo_firm) -> None:
    signed_in_agent(3)
    before = mfa_state()
    response = client.post(security_url(demo_firm), {f"level_{t.value}": "upon_request" for t in UserType})
    assert response.status_code == 302
    assert messages_of(response) == ["Nothing to save: the levels are unchanged."]
    assert mfa_state() == before


def test_lowering_to_upon_request_asks_to_confirm_and_changes_nothing(
    client: Client, signed_in_agent, demo_firm
) -> None:
    set_level(demo_firm, UserType.CLIENTS, MfaLevel.MANDATORY)
    signed_in_agent(2)
    before = mfa_state()
    posted = {"level_practitioners": "suggested", "level_clients": "upon_request"}
    response = client.post(security_url(demo_firm), posted)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Confirm</h1>" in page and CONFIRM_TEXT in page
    assert "<li>Administrator clients and standard clients: Mandatory → Upon request</li>" in page
    assert "<li>Practitioners: Upon request → Suggested</li>" in page
    assert '<input type="hidden" name="level_practitioners" value="suggested">' in page
    assert '<input type="hidden" name="level_clients" value="upon_request">' in page
    assert '<input type="hidden" name="confirmed" value="1">' in page
    assert '<button type="submit" class="danger">Confirm</button>' in page
    assert f'href="{security_url(demo_firm)}">Cancel</a>' in page
    assert mfa_state() == before


def test_confirmed_lowering_saves_it(client: Client, signed_in_agent, demo_firm) -> None:
    set_level(demo_firm, UserType.CLIENTS, MfaLevel.MANDATORY)
    signed_in_agent(2)
    response = client.post(security_url(demo_firm), {"level_clients": "upon_request", "confirmed": "1"})
    assert response.status_code == 302
    assert messages_of(response) == ["Saved: Administrator clients and standard clients: Mandatory → Upon request."]
    assert level_of(demo_firm, UserType.CLIENTS) is MfaLevel.UPON_REQUEST
    assert AuditEvent.objects.filter(action="mfa_level_changed", new_value="upon_request").count() == 1


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"level_practitioners": "always"}, "Unknown MFA level &#x27;always&#x27;"),
        ({"level_auditors": "mandatory"}, "Unknown user type &#x27;auditors&#x27;"),
        ({"level_": "mandatory"}, "Unknown user type"),
        ({}, "Choose a level for at least one user type."),
        ({"confirmed": "1", "q": "x"}, "Choose a level for at least one user type."),
    ],
)
def test_malformed_levels_are_refused_and_change_nothing(
    client: Client, signed_in_agent, demo_firm, posted, message
) -> None:
    signed_in_agent(2)
    before = mfa_state()
    response = client.post(security_url(demo_firm), {**posted})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert mfa_state() == before


def test_one_bad_level_among_good_ones_changes_nothing(client: Client, signed_in_agent, demo_firm) -> None:
    signed_in_agent(2)
    before = mfa_state()
    response = client.post(security_url(demo_firm), {"level_practitioners": "mandatory", "level_clients": "x"})
    assert response.status_code == 400
    assert mfa_state() == before


def test_sso_user_type_is_not_offered_and_says_who_manages_it(client: Client, signed_in_agent, northwind) -> None:
    signed_in_agent(2)
    page = client.get(security_url(northwind)).content.decode()
    assert 'name="level_practitioners"' not in page and "<legend>Practitioners</legend>" not in page
    assert (
        "Practitioners sign in through the identity provider of Northwind Partners: MFA is managed there. "
        f'See the <a href="/administration/firms/{northwind.pk}/sso/">SSO tab</a>.'
    ) in page
    assert 'name="level_clients"' in page and page.count("<fieldset>") == 2


def test_level_1_agent_also_sees_which_types_sso_manages(client: Client, signed_in_agent, northwind) -> None:
    signed_in_agent(1)
    page = client.get(security_url(northwind)).content.decode()
    assert 'class="sso-managed"' in page and "Practitioners: Upon request" not in page


def test_setting_a_level_for_an_sso_user_type_is_refused_and_changes_nothing(
    client: Client, signed_in_agent, northwind
) -> None:
    signed_in_agent(3)
    before = mfa_state()
    response = client.post(
        security_url(northwind), {"level_practitioners": "mandatory", "level_clients": "mandatory", "confirmed": "1"}
    )
    assert response.status_code == 409
    assert "sign in through the firm&#x27;s SSO connection" in response.content.decode()
    assert mfa_state() == before


def test_unknown_firm_is_not_found(client: Client, signed_in_agent, db) -> None:
    signed_in_agent(2)
    assert client.get("/administration/firms/999999/security/").status_code == 404
    assert client.get("/administration/firms/999999/audit/").status_code == 404
    assert client.get("/administration/firms/99999999999999999999999/security/").status_code == 404
    assert client.get("/administration/firms/0/audit/").status_code == 404
    response = client.post("/administration/firms/999999/security/", {"level_practitioners": "mandatory"})
    assert response.status_code == 404
    assert "No accounting firm has this id." in response.content.decode()


def test_level_1_agent_forged_post_is_refused_and_changes_nothing(client: Client, signed_in_agent, demo_firm) -> None:
    signed_in_agent(1)
    before = mfa_state()
    for posted in (
        {"level_practitioners": "mandatory"},
        {"level_practitioners": "upon_request", "confirmed": "1"},
        {"level_bogus": "x"},
        {},
    ):
        response = client.post(security_url(demo_firm), posted)
        assert response.status_code == 403, posted
        assert "Only level 2 and 3 support agents can change MFA settings." in response.content.decode()
    assert mfa_state() == before
