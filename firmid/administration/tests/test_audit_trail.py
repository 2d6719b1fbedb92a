"""A firm's audit trail: sentences in the agent's language, filters, pages, and its CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from firmid.accounts.models import User
from firmid.audit.actions import AuditAction, AuditOutcome
from firmid.audit.models import AuditEvent
from firmid.mfa.levels.services import TypeSettingsInput, firm_save_mfa_settings
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.services import firm_create
from firmid.testing.signin import sign_in_as

A = AuditAction
DAY = datetime(2026, 11, 10, 14, 5, tzinfo=UTC)


def named(user: User, full_name: str) -> User:
    User.objects.filter(pk=user.pk).update(full_name=full_name)
    user.refresh_from_db()
    return user


@pytest.fixture
def marie(make_agent) -> User:
    return named(make_agent(2, email="marie.dupont@firmid.test"), "Marie Dupont")


@pytest.fixture
def jean(make_user) -> User:
    return named(make_user(email="jean.martin@example.test"), "Jean Martin")


@pytest.fixture
def firm(jean):
    return jean.firm


@pytest.fixture
def paul(make_user, firm) -> User:
    return named(make_user(email="paul.roux@example.test", firm=firm), "Paul Roux")


def event(firm, action, *, at=DAY, actor=None, subject=None, **fields) -> AuditEvent:
    return AuditEvent.objects.create(
        at=at,
        action=action,
        firm=firm,
        actor=actor,
        actor_email=actor.email if actor else "",
        subject=subject,
        subject_email=subject.email if subject else "",
        **fields,
    )


@pytest.fixture
def history(firm, marie, jean, paul) -> dict[str, AuditEvent]:
    """A few events of the firm on three days: a level change, a reset of Jean's MFA, Paul's sign-in."""
    return {
        "level": event(
            firm,
            A.MFA_LEVEL_CHANGED,
            at=DAY - timedelta(days=5),
            actor=marie,
            user_type="practitioners",
            old_value="upon_request",
            new_value="mandatory",
        ),
        "reset": event(firm, A.MFA_RESET, actor=marie, subject=jean, detail="Phone lost", ip_address="192.0.2.4"),
        "sign_in": event(firm, A.SIGN_IN, at=DAY + timedelta(days=5), actor=paul, subject=paul),
    }


def url(firm, suffix: str = "") -> str:
    return f"/administration/firms/{firm.pk}/audit/{suffix}"


def sentences(response) -> list[str]:
    """The sentences of the page's rows, in order."""
    rows = re.findall(r"<tr>\s*<td><time[^>]*>[^<]*</time></td>\s*<td>(.*?)</td>", response.content.decode(), re.S)
    return [re.sub(r"<[^>]+>", "", row).strip().replace("&#x27;", "'").replace("&quot;", '"') for row in rows]


# --- the page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2, 3])
def test_every_support_agent_reads_the_trail_as_sentences(client: Client, signed_in_agent, firm, history, level):
    signed_in_agent(level)
    response = client.get(url(firm))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="current" aria-current="page">Audit trail</a>' in page
    assert sentences(response) == [
        "Paul Roux signed in",
        "Marie Dupont (support level 2) reset the MFA of Jean Martin; reason: “Phone lost”",
        "Marie Dupont (support level 2) changed Practitioners from Upon request to Mandatory",
    ]
    # Time for the language, in UTC, with the machine-readable time beside it.
    assert '<time datetime="2026-11-10T14:05:00Z">10 November 2026, 14:05 UTC</time>' in page
    assert "192.0.2.4" in page and ">Success</span>" in page
    # The subject's name links to their History tab.
    assert f'href="/administration/users/{history["reset"].subject.public_id}/history/"' in page


def test_the_trail_in_french(client: Client, signed_in_agent, firm, history):
    signed_in_agent(1)
    response = client.get(url(firm), HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()
    assert response.status_code == 200
    assert sentences(response)[:2] == [
        "Connexion de Paul Roux",
        "Marie Dupont (support de niveau 2) a réinitialisé la MFA de Jean Martin ; motif : « Phone lost »",
    ]
    assert sentences(response)[2].startswith("Marie Dupont (support de niveau 2) a fait passer les ")
    assert "10 novembre 2026 14:05 UTC</time>" in page
    for words in ("Journal d'audit", "Exporter en CSV", "Tous les événements", "Réussite", "Personne"):
        assert words in page.replace("&#x27;", "'"), words


def test_events_without_an_actor_and_of_unknown_actions_read_too(client: Client, signed_in_agent, firm):
    event(firm, A.SSO_SECRET_REPLACED, user_type="clients")
    event(firm, "retired_action")
    signed_in_agent(1)
    assert sentences(client.get(url(firm))) == [
        "The system: event “retired_action”",
        "The system replaced the client secret of the SSO connection of Administrator clients and standard clients",
    ]


def test_the_trail_is_paginated_and_keeps_its_filters(client: Client, signed_in_agent, firm, jean):
    for n in range(55):
        event(firm, A.SIGN_IN, at=DAY + timedelta(minutes=n), actor=jean, subject=jean)
    event(firm, A.SIGN_OUT, at=DAY - timedelta(days=1), actor=jean, subject=jean)
    signed_in_agent(1)
    first = client.get(url(firm), {"action": "sign_in"})
    assert len(sentences(first)) == 50 and "Page 1 of 2" in first.content.decode()
    assert "55 events" in first.content.decode()
    assert "?action=sign_in&amp;page=2" in first.content.decode()
    last = client.get(url(firm), {"action": "sign_in", "page": "99"})
    assert len(sentences(last)) == 5 and "Page 2 of 2" in last.content.decode()
    assert "signed out" not in " ".join(sentences(last))


def test_the_page_reads_people_in_its_own_queries_not_one_per_row(
    client: Client, signed_in_agent, django_assert_max_num_queries, firm, make_user
):
    """No N+1: the actor and subject of every row come with the rows."""
    signed_in_agent(1)
    users = [make_user(firm=firm) for _ in range(3)]
    for user in users:
        event(firm, A.MFA_USER_ACTIVATED, actor=user, subject=user, old_value="Suggested", new_value="Forced")
    client.get(url(firm))  # warm the caches of the session and the decision
    with django_assert_max_num_queries(12) as few:
        client.get(url(firm))
    users += [make_user(firm=firm) for _ in range(40)]
    for user in users[3:]:
        event(firm, A.MFA_USER_ACTIVATED, actor=user, subject=user, old_value="Suggested", new_value="Forced")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(firm), {"person": "@test-firm.test", "action": "group:policy"})
    assert len(sentences(response)) == 43


# --- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "mfa_reset"}, ["reset"]),
        ({"action": "group:policy"}, ["reset", "level"]),
        ({"action": "group:sign_in"}, ["sign_in"]),
        ({"person": "Dupont"}, ["reset", "level"]),  # the actor's name
        ({"person": "JEAN.MARTIN@"}, ["reset"]),  # the subject's address, in any case
        ({"person": "roux"}, ["sign_in"]),  # actor and subject alike
        ({"from": "2026-11-10"}, ["sign_in", "reset"]),
        ({"to": "2026-11-10"}, ["reset", "level"]),  # the whole of the last day
        ({"from": "2026-11-10", "to": "2026-11-10"}, ["reset"]),
        ({"action": "group:policy", "person": "marie", "from": "2026-11-01", "to": "2026-11-09"}, ["level"]),
        ({"action": "sign_out"}, []),
        ({"person": "nobody"}, []),
    ],
)
def test_filters(client: Client, signed_in_agent, firm, history, params, expected):
    signed_in_agent(1)
    response = client.get(url(firm), params)
    assert response.status_code == 200
    shown = sentences(response)
    assert shown == [str(_sentence_of(history[name])) for name in expected]
    if not expected:
        assert "No event matches these filters." in response.content.decode()


def _sentence_of(event: AuditEvent) -> str:
    from firmid.audit.sentences import sentence

    return sentence(AuditEvent.objects.select_related("actor", "subject").get(pk=event.pk))


def test_filters_do_not_reach_another_firm(client: Client, signed_in_agent, firm, history, make_user):
    other = named(make_user(email="jean.other@elsewhere.test", firm=firm_create(name="Elsewhere")), "Jean Other")
    assert other.firm_id != firm.pk
    event(other.firm, A.SIGN_IN, actor=other, subject=other)
    signed_in_agent(1)
    assert sentences(client.get(url(firm), {"person": "jean"})) == [_sentence_of(history["reset"])]
    assert sentences(client.get(url(other.firm), {"person": "jean"})) == ["Jean Other signed in"]


def test_the_person_filter_finds_sign_ins_that_named_no_account(client: Client, signed_in_agent, firm, history):
    event(firm, A.SIGN_IN_PASSWORD, outcome=AuditOutcome.FAILURE, detail="as jean.martin@example.test")
    event(firm, A.SSO_SIGN_IN, outcome=AuditOutcome.REFUSED, detail="unknown_user", new_value="jean.m@idp.test")
    event(firm, A.SIGN_IN_PASSWORD, outcome=AuditOutcome.FAILURE, detail="as paul.roux@example.test")
    signed_in_agent(1)
    assert sentences(client.get(url(firm), {"person": "jean.m"})) == [
        "A sign-in through an identity provider was refused: no firmid account has this address, and the firm "
        "does not create accounts",
        "A sign-in as jean.martin@example.test failed: wrong password or unknown address",
        _sentence_of(history["reset"]),
    ]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-13-40"}, "from", "Enter a valid date."),
        ({"to": "yesterday"}, "to", "Enter a valid date."),
        ({"from": "2026-11-10", "to": "2026-11-01"}, "to", "The end date is before the start date."),
        ({"action": "drop_table"}, "action", "Select a valid choice."),
        ({"from": "99999-01-01"}, "from", "Enter a valid date."),
        ({"person": "x" * 300}, "person", "Ensure this value has at most 254 characters"),
    ],
)
def test_invalid_filters_are_errors_on_the_form_never_a_500(
    client: Client, signed_in_agent, firm, history, params, field, message
):
    signed_in_agent(1)
    client.raise_request_exception = False
    response = client.get(url(firm), params)
    page = response.content.decode()
    assert response.status_code == 400
    assert "The filters could not be used: correct them below." in page
    error = re.search(rf'<ul class="errorlist" id="id_{field}_error"><li>([^<]*)</li>', page)
    assert error and error.group(1).startswith(message), page
    # The field says it is invalid, and which text describes the error.
    control = re.search(rf'<(?:input|select)[^>]*id="id_{field}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in control and f"id_{field}_error" in control
    assert sentences(response) == [] and "Export CSV" not in page


def test_invalid_filters_in_french(client: Client, signed_in_agent, firm):
    signed_in_agent(1)
    response = client.get(url(firm), {"from": "2026-11-10", "to": "2026-11-01"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert "La date de fin est antérieure à la date de début." in response.content.decode()


def test_the_trail_is_for_support_agents_only(client: Client, firm, jean):
    assert client.get(url(firm)).status_code == 302  # to the sign-in page
    sign_in_as(client, jean)
    assert client.get(url(firm)).status_code == 403
    assert client.get(url(firm, "csv/")).status_code == 403
    assert not AuditEvent.objects.filter(action=A.AUDIT_EXPORTED).exists()


def test_an_unknown_firm_is_not_found(client: Client, signed_in_agent):
    signed_in_agent(1)
    assert client.get("/administration/firms/999999/audit/").status_code == 404
    assert client.get("/administration/firms/999999/audit/csv/").status_code == 404


# --- CSV ----------------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_csv_holds_the_filtered_rows_and_is_audited_first(client: Client, signed_in_agent, firm, history):
    agent = signed_in_agent(1)
    response = client.get(url(firm, "csv/"), {"action": "group:policy", "to": "2026-11-30"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="audit-trail-firm-{firm.pk}.csv"' in response["Content-Disposition"]
    # Recorded before the first byte, with its filters.
    export = AuditEvent.objects.get(action=A.AUDIT_EXPORTED)
    assert (export.actor, export.firm_id) == (agent, firm.pk)
    assert export.detail == "CSV export (action=group:policy, to=2026-11-30)"
    rows = csv_rows(response)
    assert rows[0] == [
        "Time (UTC, ISO 8601)",
        "Actor",
        "Action code",
        "What happened",
        "Outcome",
        "IP address",
        "Subject",
    ]
    assert rows[1:] == [
        [
            "2026-11-10T14:05:00Z",
            "marie.dupont@firmid.test",
            "mfa_reset",
            "Marie Dupont (support level 2) reset the MFA of Jean Martin; reason: “Phone lost”",
            "success",
            "192.0.2.4",
            "jean.martin@example.test",
        ],
        [
            "2026-11-05T14:05:00Z",
            "marie.dupont@firmid.test",
            "mfa_level_changed",
            "Marie Dupont (support level 2) changed Practitioners from Upon request to Mandatory",
            "success",
            "",
            "",
        ],
    ]


def test_the_export_reads_in_the_trail_as_a_sentence(client: Client, signed_in_agent, firm, history):
    agent = named(signed_in_agent(2), "Anne Leroy")
    b"".join(client.get(url(firm, "csv/"), {"person": "jean", "from": "2026-11-01"}).streaming_content)
    assert sentences(client.get(url(firm), {"action": "audit_exported"})) == [
        f"{agent.full_name} (support level 2) exported the audit trail as CSV (person: “jean”, from 1 November 2026)"
    ]


def test_the_csv_is_in_the_agent_s_language(client: Client, signed_in_agent, firm, history):
    signed_in_agent(1)
    rows = csv_rows(client.get(url(firm, "csv/"), {"action": "mfa_reset"}, HTTP_ACCEPT_LANGUAGE="fr"))
    assert rows[0][3] == "Événement" and rows[0][0] == "Date et heure (UTC, ISO 8601)"
    assert (
        rows[1][3] == "Marie Dupont (support de niveau 2) a réinitialisé la MFA de Jean Martin ; motif : « Phone lost »"
    )
    assert rows[1][2] == "mfa_reset" and rows[1][4] == "success"  # codes stay codes


def test_csv_cells_never_run_as_formulas(client: Client, signed_in_agent, firm, make_user):
    mallory = named(make_user(firm=firm, email="mallory@example.test"), '=HYPERLINK("https://evil.test","x")')
    event(firm, A.MFA_RESET, actor=mallory, subject=mallory, detail="+cmd|' /C calc'!A0")
    event(firm, A.SIGN_IN_PASSWORD, outcome=AuditOutcome.FAILURE, detail="as @SUM(1+1)", ip_address="192.0.2.9")
    signed_in_agent(1)
    rows = csv_rows(client.get(url(firm, "csv/")))
    sentences_ = [row[3] for row in rows[1:]]
    assert sentences_[0] == "Agent 1 (support level 1) exported the audit trail as CSV"  # itself, audited first
    assert sentences_[1] == "A sign-in as @SUM(1+1) failed: wrong password or unknown address"
    assert sentences_[2].startswith("'=HYPERLINK(")
    for row in rows[1:]:
        assert not any(cell[:1] in ("=", "+", "-", "@") for cell in row), row


def test_invalid_filters_export_nothing(client: Client, signed_in_agent, firm, history):
    signed_in_agent(1)
    response = client.get(url(firm, "csv/"), {"from": "not a day"})
    assert response.status_code == 400
    assert "The filters could not be used" in response.content.decode()
    assert not AuditEvent.objects.filter(action=A.AUDIT_EXPORTED).exists()


def test_a_level_change_made_on_the_security_tab_reads_as_the_issue_says(client: Client, signed_in_agent, firm):
    agent = named(signed_in_agent(2), "Marie Dupont")
    firm_save_mfa_settings(
        actor=agent, firm=firm, settings={UserType.PRACTITIONERS: TypeSettingsInput(level=MfaLevel.MANDATORY)}
    )
    assert sentences(client.get(url(firm))) == [
        "Marie Dupont (support level 2) changed Practitioners from Upon request to Mandatory"
    ]
