"""A user's History tab: their events (as subject or actor) as sentences, with the user page's permissions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from firmid.accounts.models import User
from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.tenancy.services import firm_create
from firmid.testing.administration import user_url
from firmid.testing.signin import sign_in_as

A = AuditAction
DAY = datetime(2026, 11, 10, 14, 5, tzinfo=UTC)


def named(user: User, full_name: str) -> User:
    User.objects.filter(pk=user.pk).update(full_name=full_name)
    user.refresh_from_db()
    return user


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
def marie(make_agent) -> User:
    return named(make_agent(2, email="marie.dupont@firmid.test"), "Marie Dupont")


@pytest.fixture
def jean(make_user) -> User:
    return named(make_user(email="jean.martin@example.test"), "Jean Martin")


@pytest.fixture
def paul(make_user, jean) -> User:
    return named(make_user(email="paul.roux@example.test", firm=jean.firm), "Paul Roux")


@pytest.fixture
def events(jean, paul, marie) -> None:
    firm = jean.firm
    event(firm, A.SIGN_IN, at=DAY - timedelta(days=3), actor=jean, subject=jean)
    event(firm, A.MFA_RESET, actor=marie, subject=jean, detail="Phone lost")
    event(firm, A.SIGN_IN, at=DAY + timedelta(days=1), actor=paul, subject=paul)  # another user of the firm
    event(
        firm,
        A.MFA_LEVEL_CHANGED,
        actor=marie,
        user_type="practitioners",
        old_value="upon_request",
        new_value="suggested",
    )


def sentences(response) -> list[str]:
    rows = re.findall(r"<tr>\s*<td><time[^>]*>[^<]*</time></td>\s*<td>(.*?)</td>", response.content.decode(), re.S)
    return [re.sub(r"<[^>]+>", "", row).strip() for row in rows]


def test_the_user_page_links_to_the_history_tab(client: Client, signed_in_agent, jean):
    signed_in_agent(1)
    page = client.get(user_url(jean, "security")).content.decode()
    assert f'<a href="{user_url(jean, "history")}">History</a>' in page


@pytest.mark.parametrize("level", [1, 2, 3])
def test_the_history_lists_the_user_s_events_as_sentences(client: Client, signed_in_agent, jean, events, level):
    signed_in_agent(level)
    response = client.get(user_url(jean, "history"))
    page = response.content.decode()
    assert response.status_code == 200
    assert sentences(response) == [
        "Marie Dupont (support level 2) reset the MFA of Jean Martin; reason: “Phone lost”",
        "Jean Martin signed in",
    ]
    assert 'class="current" aria-current="page">History</a>' in page
    assert f'<a href="{user_url(jean, "security")}">Login</a>' in page
    assert page.count("<h1") == 1 and "Jean Martin" in page
    assert 'name="person"' not in page  # the person is the user


def test_the_history_in_french(client: Client, signed_in_agent, jean, events):
    signed_in_agent(1)
    response = client.get(user_url(jean, "history"), HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()
    assert sentences(response) == [
        "Marie Dupont (support de niveau 2) a réinitialisé la MFA de Jean Martin ; motif : « Phone lost »",
        "Connexion de Jean Martin",
    ]
    assert "Historique" in page and "10 novembre 2026 14:05 UTC" in page


def test_the_history_holds_what_the_user_did_to_others(client: Client, signed_in_agent, jean, paul):
    event(jean.firm, A.MFA_LOST_DEVICE_REPORTED, actor=jean, subject=jean)
    signed_in_agent(1)
    assert sentences(client.get(user_url(jean, "history"))) == [
        "Jean Martin told support they can no longer use their second factor (lost device)"
    ]
    assert sentences(client.get(user_url(paul, "history"))) == []
    assert "No event has been recorded yet." in client.get(user_url(paul, "history")).content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "sign_in"}, ["Jean Martin signed in"]),
        (
            {"action": "group:policy"},
            ["Marie Dupont (support level 2) reset the MFA of Jean Martin; reason: “Phone lost”"],
        ),
        ({"from": "2026-11-08"}, ["Marie Dupont (support level 2) reset the MFA of Jean Martin; reason: “Phone lost”"]),
        ({"to": "2026-11-08"}, ["Jean Martin signed in"]),
        ({"action": "group:sign_in", "from": "2026-11-08"}, []),
        # A person given anyway is not a filter here.
        (
            {"person": "nobody"},
            [
                "Marie Dupont (support level 2) reset the MFA of Jean Martin; reason: “Phone lost”",
                "Jean Martin signed in",
            ],
        ),
    ],
)
def test_history_filters(client: Client, signed_in_agent, jean, events, params, expected):
    signed_in_agent(1)
    response = client.get(user_url(jean, "history"), params)
    assert response.status_code == 200 and sentences(response) == expected


def test_invalid_history_filters_are_form_errors(client: Client, signed_in_agent, jean, events):
    signed_in_agent(1)
    client.raise_request_exception = False
    response = client.get(user_url(jean, "history"), {"from": "2026-02-30"})
    assert response.status_code == 400
    assert 'id="id_from_error"' in response.content.decode() and sentences(response) == []


def test_another_firm_s_events_never_show(client: Client, signed_in_agent, jean, make_user):
    """Cross-firm: even a row naming the user as actor, in another firm, stays out of their history."""
    other_firm = firm_create(name="Elsewhere")
    stranger = named(make_user(firm=other_firm, email="stranger@elsewhere.test"), "Stranger")
    event(other_firm, A.SIGN_IN, actor=stranger, subject=stranger)
    event(other_firm, A.MFA_RESET, actor=jean, subject=stranger, detail="forged")
    event(jean.firm, A.SIGN_IN, actor=jean, subject=jean)
    signed_in_agent(1)
    assert sentences(client.get(user_url(jean, "history"))) == ["Jean Martin signed in"]
    # The other firm's trail keeps that row: it is the stranger's, in their firm.
    assert sentences(client.get(user_url(stranger, "history"))) == [
        "Jean Martin reset the MFA of Stranger; reason: “forged”",
        "Stranger signed in",
    ]


def test_the_history_has_the_user_page_s_permissions(client: Client, jean, paul, make_agent, events):
    history = user_url(jean, "history")
    assert client.get(history).status_code == 302  # to the sign-in page
    # A firm user, even of the same firm, and even the user themself: not the Administration application.
    for user in (paul, jean):
        sign_in_as(client, user)
        response = client.get(history)
        assert response.status_code == 403
        assert "Phone lost" not in response.content.decode()


def test_no_history_for_an_agent_or_an_unknown_user(client: Client, signed_in_agent, marie):
    signed_in_agent(1)
    assert client.get(user_url(marie, "history")).status_code == 404
    assert client.get("/administration/users/00000000-0000-0000-0000-000000000000/history/").status_code == 404
