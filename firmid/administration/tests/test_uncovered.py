"""The Not covered tab: users without MFA, filters, pages, the CSV export and its audit row, who may see it."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from django.test import Client

from firmid.accounts.models import Role, User
from firmid.administration.views.uncovered import HISTORY_HEADER, SUMMARY_HEADER, USERS_HEADER
from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm
from firmid.tenancy.services import firm_create
from firmid.testing.factories import set_level
from firmid.testing.signin import sign_in_as

STAFF_ONLY = "The Administration application is for support staff only."


def page_url(firm: Firm) -> str:
    return f"/administration/firms/{firm.pk}/not-covered/"


def csv_url(firm: Firm) -> str:
    return f"{page_url(firm)}csv/"


def listed_emails(html: str) -> list[str]:
    """The email cell of each body row of the page's table."""
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", html, re.S))
    return [
        unescape(re.search(r"<td>(.*?)</td>", row, re.S).group(1)) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def section(rows: list[list[str]], header: tuple[str, ...]) -> list[list[str]]:
    """The rows under `header`, up to the next blank row."""
    start = rows.index(list(header)) + 1
    end = next((i for i in range(start, len(rows)) if not rows[i]), len(rows))
    return rows[start:end]


# --- the page ------------------------------------------------------------------------


def test_tab_lists_users_without_mfa_with_why(client: Client, signed_in_agent, acme) -> None:
    signed_in_agent(1)
    response = client.get(page_url(acme))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="current" aria-current="page">Not covered</a>' in page
    forced_or_suggested = User.objects.filter(firm=acme, role=Role.PRACTITIONER, is_active=True, authenticator=None)
    clients = User.objects.filter(firm=acme, role__in=[Role.STANDARD_CLIENT], is_active=True)
    assert set(listed_emails(page)) == {u.email for u in forced_or_suggested} | {u.email for u in clients}
    assert "<caption>Users of Acme Partners without MFA</caption>" in page
    assert "MFA was activated for them by support" in page
    assert "Level Suggested: set-up is offered at each sign-in, with Activate later" in page
    # Employees sign in through SSO: explained apart, not listed.
    assert 'id="sso-users"' in page and "firmid cannot see whether it asks for a second factor" in page
    assert "status=managed_by_sso" in page


def test_filters_by_type_and_status(client: Client, signed_in_agent, acme) -> None:
    signed_in_agent(1)
    page = client.get(page_url(acme), {"user_type": "clients", "status": "forced"}).content.decode()
    activated = User.objects.get(firm=acme, role=Role.STANDARD_CLIENT, mfa_individually_activated=True)
    assert listed_emails(page) == [activated.email]
    assert f"{csv_url(acme)}?user_type=clients&amp;status=forced" in page
    sso = client.get(page_url(acme), {"status": "managed_by_sso"}).content.decode()
    assert len(listed_emails(sso)) == 2


@pytest.mark.parametrize("params", [{"status": "configured"}, {"user_type": "robots"}])
def test_unknown_filter_is_a_400_with_a_message(client: Client, signed_in_agent, acme, params) -> None:
    signed_in_agent(1)
    response = client.get(page_url(acme), params)
    assert response.status_code == 400
    assert "Unknown" in response.content.decode()


def test_page_is_paginated(client: Client, signed_in_agent, make_user) -> None:
    firm = firm_create(name="Many")
    for _ in range(53):
        make_user(role=Role.PRACTITIONER, firm=firm)
    signed_in_agent(1)
    first = client.get(page_url(firm)).content.decode()
    second = client.get(page_url(firm), {"page": 2}).content.decode()
    assert len(listed_emails(first)) == 50 and len(listed_emails(second)) == 3
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert not set(listed_emails(first)) & set(listed_emails(second))


def test_unknown_firm_is_404(client: Client, signed_in_agent) -> None:
    signed_in_agent(1)
    assert client.get("/administration/firms/999999/not-covered/").status_code == 404
    assert client.get("/administration/firms/999999/not-covered/csv/").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.MFA_UNCOVERED_EXPORTED).exists()


# --- CSV -----------------------------------------------------------------------------


def test_csv_has_the_summary_the_users_and_the_level_history(client: Client, signed_in_agent, acme) -> None:
    agent = signed_in_agent(2)
    set_level(acme, UserType.CLIENTS, MfaLevel.SUGGESTED, actor=agent)
    response = client.get(csv_url(acme))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="mfa-not-covered-firm-{acme.pk}.csv"'
    rows = csv_rows(response)
    summary = section(rows, SUMMARY_HEADER)
    assert [row[:3] for row in summary] == [
        ["Practitioners", "Suggested", "4"],
        ["Administrator clients and standard clients", "Suggested", "3"],
        ["Employees of the accounting firm's clients", "Managed by SSO", "2"],
    ]
    users = section(rows, USERS_HEADER)
    assert {row[4] for row in users} == {"Forced", "Suggested"}
    activated = User.objects.get(firm=acme, role=Role.STANDARD_CLIENT, mfa_individually_activated=True)
    row = next(r for r in users if r[0] == activated.email)
    assert row[1:5] == [activated.full_name, "Standard client", "Administrator clients and standard clients", "Forced"]
    assert row[7:10] == ["yes", "", "never"]
    history = section(rows, HISTORY_HEADER)
    # When, who, what, which type, from → to (the detail is the level service's to word).
    assert [r[1:6] for r in history] == [
        [
            agent.email,
            "Firm's MFA level changed",
            "Administrator clients and standard clients",
            "Upon request",
            "Suggested",
        ]
    ]


def test_each_export_is_audited_with_its_filters(client: Client, signed_in_agent, acme) -> None:
    agent = signed_in_agent(1)
    client.get(csv_url(acme), {"user_type": "practitioners", "status": "suggested"})
    event = AuditEvent.objects.get(action=AuditAction.MFA_UNCOVERED_EXPORTED)
    assert (event.actor_email, event.firm_id, event.user_type) == (agent.email, acme.pk, "practitioners")
    assert event.detail == "CSV export (user_type=practitioners, status=suggested)"
    client.get(page_url(acme))  # viewing the page is not an export
    assert AuditEvent.objects.filter(action=AuditAction.MFA_UNCOVERED_EXPORTED).count() == 1


@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil.test","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_csv_formula_injection_in_a_name_is_defused(client: Client, signed_in_agent, make_user, value: str) -> None:
    firm = firm_create(name=value)
    user = make_user(role=Role.PRACTITIONER, firm=firm)
    User.objects.filter(pk=user.pk).update(full_name=value)
    signed_in_agent(1)
    rows = csv_rows(client.get(csv_url(firm)))
    assert rows[0][0] == f"MFA coverage of {value} (firm id {firm.pk}), active users"  # starts with "M": harmless
    (listed,) = section(rows, USERS_HEADER)
    assert listed[1] == f"'{value}"


# --- access --------------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2, 3])
def test_every_agent_level_may_read_and_no_one_may_post(client: Client, signed_in_agent, acme, level: int) -> None:
    signed_in_agent(level)
    for url in (page_url(acme), csv_url(acme)):
        assert client.get(url).status_code == 200, url
        assert client.post(url).status_code == (403 if level == 1 else 405), url


def test_firm_user_is_refused(client: Client, acme) -> None:
    sign_in_as(client, acme.users.filter(role=Role.PRACTITIONER, is_active=True).first())
    for url in (page_url(acme), csv_url(acme)):
        response = client.get(url)
        assert response.status_code == 403, url
        assert STAFF_ONLY in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.MFA_UNCOVERED_EXPORTED).exists()


def test_anonymous_visitor_is_sent_to_sign_in(client: Client, acme) -> None:
    for url in (page_url(acme), csv_url(acme)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(f"/accounts/login/?next={url}"), url
