"""GET /api/v1/firms/{id}/uncovered-users: the Not covered list over the API, for every support agent."""

from __future__ import annotations

import pytest
from django.test import Client

from firmid.accounts.models import Role, User
from firmid.tenancy.models import Firm
from firmid.tenancy.services import firm_create
from firmid.testing.signin import sign_in_as


def url(firm: Firm) -> str:
    return f"/api/v1/firms/{firm.pk}/uncovered-users"


def test_lists_users_without_mfa_with_why(agent_client, acme) -> None:
    response = agent_client(1).get(url(acme))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    activated = User.objects.get(firm=acme, role=Role.STANDARD_CLIENT, mfa_individually_activated=True)
    row = next(r for r in body["results"] if r["email"] == activated.email)
    assert row == {
        "id": str(activated.public_id),
        "email": activated.email,
        "full_name": activated.full_name,
        "role": "standard_client",
        "user_type": "clients",
        "status": "forced",
        "level": "Upon request",
        "reasons": ["Level Upon request: set-up is not offered", "MFA was activated for them by support"],
        "individually_activated": True,
        "disallowed_methods": [],
        "last_login": None,
    }
    assert {r["status"] for r in body["results"]} == {"forced", "suggested", "not_offered"}
    assert body["count"] == 5  # practitioners: 1 forced, 2 suggested; clients: 1 forced, 1 not offered


def test_filters_and_sso_users_apart(agent_client, acme) -> None:
    client = agent_client(1)
    forced = client.get(url(acme), {"user_type": "practitioners", "status": "forced"}).json()
    assert [(r["user_type"], r["status"]) for r in forced["results"]] == [("practitioners", "forced")]
    sso = client.get(url(acme), {"status": "managed_by_sso"}).json()
    assert sso["count"] == 2 and {r["level"] for r in sso["results"]} == {"Managed by SSO"}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "configured"}, "status"), ({"user_type": "x"}, "user_type"), ({"page": "0"}, "page")],
)
def test_bad_filters_are_a_400(l2, acme, params, field) -> None:
    response = l2.get(url(acme), params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_paginated_by_100(agent_client, make_user) -> None:
    firm = firm_create(name="Many")
    for _ in range(101):
        make_user(role=Role.PRACTITIONER, firm=firm)
    client = agent_client(1)
    first = client.get(url(firm)).json()
    assert (first["count"], len(first["results"])) == (101, 100) and first["next"]
    assert len(client.get(url(firm), {"page": 2}).json()["results"]) == 1


def test_unknown_firm_is_404(l2) -> None:
    assert l2.get("/api/v1/firms/999999/uncovered-users").status_code == 404


def test_read_only_and_firm_users_refused(agent_client, acme, client: Client) -> None:
    assert agent_client(1).post(url(acme), {}, content_type="application/json").status_code == 403
    assert agent_client(2).post(url(acme), {}, content_type="application/json").status_code == 405
    sign_in_as(client, acme.users.filter(role=Role.PRACTITIONER, is_active=True).first())
    assert client.get(url(acme)).status_code == 403
