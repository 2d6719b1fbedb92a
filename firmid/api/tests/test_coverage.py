"""MFA coverage over the API: a firm's report and every firm's, paginated by firm, for support agents."""

from __future__ import annotations

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

FIELDS = ("users", "configured", "forced_not_configured", "suggested_not_configured", "not_offered", "covered_percent")
LEVEL_OF_LABEL = {"Suggested": "suggested", "Upon request": "upon_request", "Managed by SSO": None}


def coverage_url(firm: Firm) -> str:
    return f"/api/v1/firms/{firm.pk}/mfa-coverage"


def expected_acme_types() -> list[dict]:
    return [
        {
            "user_type": t.value,
            "level": LEVEL_OF_LABEL[label],
            "managed_by_sso": label == "Managed by SSO",
            **dict(zip(FIELDS, figures, strict=True)),
        }
        for t, (label, *figures) in ACME_FIGURES.items()
    ]


def test_firm_coverage_has_each_types_figures(agent_client, acme) -> None:
    response = agent_client(1).get(coverage_url(acme))
    assert response.status_code == 200
    assert response.json() == {"firm": {"id": acme.pk, "name": "Acme Partners"}, "user_types": expected_acme_types()}


def test_firm_without_users_has_no_share(agent_client) -> None:
    firm = firm_create(name="Empty")
    body = agent_client(1).get(coverage_url(firm)).json()
    assert [(t["user_type"], t["level"], t["users"], t["covered_percent"]) for t in body["user_types"]] == [
        (t.value, "upon_request", 0, None) for t in UserType
    ]


def test_unknown_firm_is_404(l2) -> None:
    response = l2.get("/api/v1/firms/999999/mfa-coverage")
    assert response.status_code == 404
    assert response.json() == {"detail": "No accounting firm has this id.", "code": "not_found"}


def test_platform_coverage_lists_every_firm_paginated(agent_client, acme, beta) -> None:
    body = agent_client(1).get("/api/v1/mfa-coverage").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2 and body["next"] is None
    assert body["results"][0] == {"firm": {"id": acme.pk, "name": "Acme Partners"}, "user_types": expected_acme_types()}
    practitioners = body["results"][1]["user_types"][0]
    assert practitioners == {
        "user_type": "practitioners",
        "level": "mandatory",
        "managed_by_sso": False,
        "users": 2,
        "configured": 1,
        "forced_not_configured": 1,
        "suggested_not_configured": 0,
        "not_offered": 0,
        "covered_percent": 50.0,
    }


def test_platform_coverage_is_filtered_by_firm_name(l2, acme, beta) -> None:
    body = l2.get("/api/v1/mfa-coverage", {"q": "BETA"}).json()
    assert [result["firm"]["name"] for result in body["results"]] == ["Beta Audit"]
    assert l2.get("/api/v1/mfa-coverage", {"q": "x" * 201}).status_code == 400


def test_platform_coverage_pages_hold_50_firms(l2, db) -> None:
    for n in range(51):
        firm_create(name=f"Firm {n:02d}")
    first = l2.get("/api/v1/mfa-coverage").json()
    assert first["count"] == 51 and len(first["results"]) == 50
    assert all(len(result["user_types"]) == 3 for result in first["results"])
    second = l2.get(first["next"]).json()
    assert [result["firm"]["name"] for result in second["results"]] == ["Firm 50"]
    assert l2.get("/api/v1/mfa-coverage", {"page": 3}).status_code == 404
    assert l2.get("/api/v1/mfa-coverage", {"page": "x"}).status_code == 400


def test_firm_coverage_queries_do_not_grow_with_its_users(l2, make_user) -> None:
    firm = firm_create(name="Growing")
    l2.get(coverage_url(firm))  # the session's first request writes it (idle expiry): not counted

    def queries_with(users: int) -> int:
        while firm.users.count() < users:
            user = make_user(role=Role.CLIENT_EMPLOYEE, firm=firm)
            if firm.users.count() % 2:
                give_factor(user)
        with CaptureQueriesContext(connection) as queries:
            assert l2.get(coverage_url(firm)).status_code == 200
        return len(queries)

    assert queries_with(3) == queries_with(30)


# --- access --------------------------------------------------------------------------


def urls(firm: Firm) -> list[str]:
    return [coverage_url(firm), "/api/v1/mfa-coverage"]


@pytest.mark.parametrize("level", [1, 2, 3])
def test_every_agent_level_may_read_and_nobody_writes(agent_client, acme, level: int) -> None:
    client = agent_client(level)
    for url in urls(acme):
        assert client.get(url).status_code == 200, url
        assert client.post(url, {}, content_type="application/json").status_code == (403 if level == 1 else 405)


def test_anonymous_is_refused_with_json(acme) -> None:
    for url in urls(acme):
        response = Client().get(url)
        assert response.status_code == 403 and response.json()["code"] == "not_authenticated", url


def test_firm_user_is_refused(acme) -> None:
    client = sign_in_as(Client(), acme.users.filter(role=Role.PRACTITIONER, is_active=True).first())
    for url in urls(acme):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json() == {"detail": "Only support agents can use this API.", "code": "permission_denied"}


def test_schema_documents_both_operations(l2) -> None:
    paths = l2.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert set(paths["/api/v1/firms/{firm_id}/mfa-coverage"]) == {"get"}
    assert set(paths["/api/v1/mfa-coverage"]) == {"get"}
    assert {"200", "403", "404"} <= set(paths["/api/v1/firms/{firm_id}/mfa-coverage"]["get"]["responses"])
