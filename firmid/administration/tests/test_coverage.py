"""MFA coverage: the firm tab, the platform page and their CSV downloads."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from firmid.accounts.models import Role
from firmid.policy import UserType
from firmid.tenancy.models import Firm
from firmid.tenancy.services import firm_create
from firmid.testing.coverage import ACME_FIGURES
from firmid.testing.factories import give_factor
from firmid.testing.signin import sign_in_as

STAFF_ONLY = "The Administration application is for support staff only."
CSV_HEADER = [
    "Firm id",
    "Firm",
    "User type",
    "Level",
    "Users",
    "Configured",
    "Forced (not configured)",
    "Suggested (not configured)",
    "Not offered",
    "Covered (%)",
]


def coverage_url(firm: Firm) -> str:
    return f"/administration/firms/{firm.pk}/mfa-coverage/"


def body_rows(page: str, table: int = 0) -> list[list[str]]:
    """The text of each cell of each body row of the page's `table`-th table."""
    html = re.findall(r"<table.*?</table>", page, re.S)[table]
    rows = re.findall(r"<tr>(.*?)</tr>", "".join(re.findall(r"<tbody>(.*?)</tbody>", html, re.S)), re.S)
    return [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in rows
    ]


def shown(figures: tuple) -> list[str]:
    """A type's figures as the page shows them, level first."""
    *counts, percent = figures
    return [str(value) for value in counts] + ["—" if percent is None else f"{percent:g} %"]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- the firm's tab ------------------------------------------------------------------


def test_firm_tab_shows_each_types_figures(client: Client, signed_in_agent, acme) -> None:
    signed_in_agent(1)
    response = client.get(coverage_url(acme))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="current" aria-current="page">MFA coverage</a>' in page
    assert body_rows(page) == [[t.label, *shown(ACME_FIGURES[t])] for t in UserType]
    assert f'href="/administration/firms/{acme.pk}/mfa-coverage/csv/"' in page


def test_firm_without_users_shows_a_dash_not_a_share(client: Client, signed_in_agent) -> None:
    firm = firm_create(name="Empty")
    signed_in_agent(1)
    rows = body_rows(client.get(coverage_url(firm)).content.decode())
    assert rows == [[t.label, "Upon request", "0", "0", "0", "0", "0", "—"] for t in UserType]


def test_other_firm_tabs_link_to_the_coverage_tab(client: Client, signed_in_agent, acme) -> None:
    signed_in_agent(1)
    for tab in ("security", "audit"):
        page = client.get(f"/administration/firms/{acme.pk}/{tab}/").content.decode()
        assert f'<a href="{coverage_url(acme)}">MFA coverage</a>' in page


def test_unknown_firm_is_404(client: Client, signed_in_agent) -> None:
    signed_in_agent(1)
    assert client.get("/administration/firms/999999/mfa-coverage/").status_code == 404
    assert client.get("/administration/firms/999999/mfa-coverage/csv/").status_code == 404


def test_firm_tab_queries_do_not_grow_with_its_users(client: Client, signed_in_agent, make_user) -> None:
    firm = firm_create(name="Growing")
    signed_in_agent(1)

    client.get(coverage_url(firm))  # the session's first request writes it (idle expiry): not counted

    def queries_with(users: int) -> int:
        while firm.users.count() < users:
            user = make_user(role=Role.PRACTITIONER, firm=firm)
            if firm.users.count() % 3 == 0:
                give_factor(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(coverage_url(firm)).status_code == 200
        return len(queries)

    assert queries_with(3) == queries_with(30)


# --- the platform page ---------------------------------------------------------------


def test_platform_page_shows_totals_then_every_firm(client: Client, signed_in_agent, acme, beta) -> None:
    signed_in_agent(1)
    page = client.get("/administration/mfa-coverage/").content.decode()
    assert '<a href="/administration/mfa-coverage/" class="active">MFA coverage</a>' in page
    assert body_rows(page, 0) == [
        ["Practitioners", "0", "6", "2", "2", "2", "0", "33.3 %"],
        ["Administrator clients and standard clients", "0", "3", "1", "1", "0", "1", "33.3 %"],
        ["Employees of the accounting firm's clients", "2", "2", "0", "0", "0", "0", "—"],
    ]
    firms = body_rows(page, 1)
    assert firms[:3] == [
        ["Acme Partners", t.label, *shown(ACME_FIGURES[t])]
        if t is UserType.PRACTITIONERS
        else [t.label, *shown(ACME_FIGURES[t])]
        for t in UserType
    ]
    assert firms[3] == ["Beta Audit", "Practitioners", "Mandatory", "2", "1", "1", "0", "0", "50 %"]
    assert len(firms) == 6
    assert f'<a href="{coverage_url(acme)}">Acme Partners</a>' in page


def test_platform_page_is_paginated_by_firm(client: Client, signed_in_agent, db) -> None:
    for n in range(30):
        firm_create(name=f"Firm {n:02d}")
    signed_in_agent(1)
    first = client.get("/administration/mfa-coverage/").content.decode()
    assert "Page 1 of 2" in first and "Firm 24" in first and "Firm 25" not in first
    assert len(body_rows(first, 1)) == 25 * 3  # a firm's three types stay on one page
    second = client.get("/administration/mfa-coverage/", {"page": "2"}).content.decode()
    assert "Firm 25" in second and "Firm 29" in second and "Firm 24" not in second
    assert "Totals of all 30 firms" in second  # the totals are the whole platform's, on every page
    for bad in ("999", "0", "-1", "abc", ""):
        assert client.get("/administration/mfa-coverage/", {"page": bad}).status_code == 200, bad


def test_platform_page_filters_firms_by_name(client: Client, signed_in_agent, acme, beta) -> None:
    signed_in_agent(1)
    page = client.get("/administration/mfa-coverage/", {"q": "bet"}).content.decode()
    assert [row[0] for row in body_rows(page, 1)] == [
        "Beta Audit",
        "Administrator clients and standard clients",
        "Employees of the accounting firm's clients",
    ]
    assert "Totals of the 1 firm matching “bet”" in page
    assert body_rows(page, 0)[0] == ["Practitioners", "0", "2", "1", "1", "0", "0", "50 %"]
    assert 'href="/administration/mfa-coverage/csv/?q=bet"' in page
    nothing = client.get("/administration/mfa-coverage/", {"q": "zzz"}).content.decode()
    assert "No accounting firm matches your search." in nothing


def test_platform_page_queries_do_not_grow_with_firms(client: Client, signed_in_agent, make_user) -> None:
    signed_in_agent(1)
    client.get("/administration/mfa-coverage/")  # the session's first request writes it: not counted

    def queries_with(firms: int) -> int:
        for n in range(Firm.objects.count(), firms):
            make_user(role=Role.CLIENT_EMPLOYEE, firm=firm_create(name=f"Firm {n:02d}"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/administration/mfa-coverage/").status_code == 200
        return len(queries)

    assert queries_with(2) == queries_with(40)


# --- CSV -----------------------------------------------------------------------------


def test_firm_csv_has_a_header_and_one_row_per_type(client: Client, signed_in_agent, acme) -> None:
    signed_in_agent(1)
    response = client.get(f"{coverage_url(acme)}csv/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="mfa-coverage-firm-{acme.pk}.csv"'
    expected = [
        [
            str(acme.pk),
            "Acme Partners",
            t.label,
            *(str(v) for v in ACME_FIGURES[t][:-1]),
            "" if ACME_FIGURES[t][-1] is None else str(ACME_FIGURES[t][-1]),
        ]
        for t in UserType
    ]
    assert csv_rows(response) == [CSV_HEADER, *expected]


def test_platform_csv_has_every_firm_and_honours_the_filter(client: Client, signed_in_agent, acme, beta) -> None:
    signed_in_agent(1)
    response = client.get("/administration/mfa-coverage/csv/")
    assert response["Content-Disposition"] == 'attachment; filename="mfa-coverage.csv"'
    rows = csv_rows(response)
    assert rows[0] == CSV_HEADER
    assert [(row[1], row[2]) for row in rows[1:]] == [
        (f, t.label) for f in ("Acme Partners", "Beta Audit") for t in UserType
    ]
    assert rows[4] == [str(beta.pk), "Beta Audit", "Practitioners", "Mandatory", "2", "1", "1", "0", "0", "50.0"]
    filtered = csv_rows(client.get("/administration/mfa-coverage/csv/", {"q": "acme"}))
    assert {row[1] for row in filtered[1:]} == {"Acme Partners"}


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.test","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_csv_cells_that_a_spreadsheet_would_run_are_defused(client: Client, signed_in_agent, name: str) -> None:
    firm = firm_create(name=name)
    signed_in_agent(1)
    for url in (f"{coverage_url(firm)}csv/", "/administration/mfa-coverage/csv/"):
        rows = csv_rows(client.get(url))
        assert {row[1] for row in rows[1:]} == {f"'{name}"}, url


def test_csv_leaves_ordinary_names_alone(client: Client, signed_in_agent) -> None:
    firm = firm_create(name='Müller & Söhne, "Treuhand" 1-2=3')
    signed_in_agent(1)
    rows = csv_rows(client.get(f"{coverage_url(firm)}csv/"))
    assert rows[1][1] == 'Müller & Söhne, "Treuhand" 1-2=3'


# --- access --------------------------------------------------------------------------


def coverage_urls(firm: Firm) -> list[str]:
    return [
        coverage_url(firm),
        f"{coverage_url(firm)}csv/",
        "/administration/mfa-coverage/",
        "/administration/mfa-coverage/csv/",
    ]


@pytest.mark.parametrize("level", [1, 2, 3])
def test_every_agent_level_may_read(client: Client, signed_in_agent, acme, level: int) -> None:
    signed_in_agent(level)
    for url in coverage_urls(acme):
        assert client.get(url).status_code == 200, url
        assert client.post(url).status_code == (403 if level == 1 else 405), url  # nothing to change here


def test_firm_user_is_refused(client: Client, acme) -> None:
    sign_in_as(client, acme.users.filter(role=Role.PRACTITIONER, is_active=True).first())
    for url in coverage_urls(acme):
        response = client.get(url)
        assert response.status_code == 403, url
        assert STAFF_ONLY in response.content.decode() and "Acme Partners" not in response.content.decode()


def test_anonymous_visitor_is_sent_to_sign_in(client: Client, acme) -> None:
    for url in coverage_urls(acme):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(f"/accounts/login/?next={url}"), url
