"""A firm's SSO connections over the API: read by support agents, never with a secret."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from firmid.accounts.models import Role
from firmid.policy import UserType
from firmid.sso.models import SsoConnection
from firmid.tenancy.models import ClientCompany, Firm
from firmid.testing.factories import connect_sso
from firmid.testing.signin import sign_in_as

pytestmark = pytest.mark.usefixtures("demo")

SECRET = "api-s3cr3t-never-returned"
CALLBACK = "http://127.0.0.1:8000/signin/sso/callback/"


def connections_url(firm: Firm) -> str:
    return f"/api/v1/firms/{firm.pk}/sso-connections"


@pytest.fixture
def northwind() -> Firm:
    return Firm.objects.get(name="Northwind Partners")


@pytest.fixture
def demo_firm() -> Firm:
    return Firm.objects.get(name="Demo Accounting")


def test_connections_are_listed_without_their_secret(l2, northwind) -> None:
    company = ClientCompany.objects.get(name="Northwind Client")
    connect_sso(
        northwind, UserType.CLIENTS, issuer="https://login.northwind-client.test", secret=SECRET, enabled=False,
        email_domains=["northwind-client.test"], client_company=company, require_upstream_mfa=True,
    )  # fmt: skip
    response = l2.get(connections_url(northwind))
    assert response.status_code == 200
    body = response.json()
    assert body["firm"] == {"id": northwind.pk, "name": "Northwind Partners"}
    practitioners, clients = body["connections"]
    assert practitioners["user_type"] == "practitioners" and practitioners["enabled"] is True
    assert practitioners["issuer"] == "http://127.0.0.1:8002" and practitioners["email_domains"] == ["northwind.test"]
    stored = SsoConnection.objects.get(firm=northwind, user_type="clients")
    assert clients == {
        "id": str(stored.public_id),
        "user_type": "clients",
        "enabled": False,
        "issuer": "https://login.northwind-client.test",
        "client_id": "firmid",
        "secret_set": True,
        "secret_changed_at": stored.secret_changed_at.isoformat().replace("+00:00", "Z"),
        "scopes": "openid email profile",
        "email_domains": ["northwind-client.test"],
        "create_users": False,
        "require_upstream_mfa": True,
        "mfa_acr": stored.mfa_acr,
        "client_company": {"id": company.pk, "name": "Northwind Client"},
        "redirect_uri": CALLBACK,
    }
    text = response.content.decode()
    assert SECRET not in text and stored.client_secret_encrypted not in text and 'secret"' not in text


def test_firm_without_connections_lists_none(l2, demo_firm) -> None:
    assert l2.get(connections_url(demo_firm)).json()["connections"] == []


def test_connection_without_a_secret_says_so(l2, demo_firm) -> None:
    connect_sso(demo_firm, UserType.PRACTITIONERS, issuer="https://idp.demo.test", secret="", enabled=False)
    [connection] = l2.get(connections_url(demo_firm)).json()["connections"]
    assert connection["secret_set"] is False and connection["secret_changed_at"] is None


def test_level_1_agent_may_read_connections(agent_client, northwind) -> None:
    assert agent_client(1).get(connections_url(northwind)).status_code == 200


def test_writes_are_not_offered(l2, northwind, unchanged) -> None:
    with unchanged():
        for method in (l2.post, l2.put, l2.delete):
            assert method(connections_url(northwind), {}, content_type="application/json").status_code == 405


def test_unknown_firm_is_404(l2) -> None:
    response = l2.get("/api/v1/firms/999999/sso-connections")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_anonymous_and_firm_users_are_refused(make_user, northwind, demo_firm) -> None:
    anonymous = Client().get(connections_url(northwind))
    assert anonymous.status_code == 403 and anonymous.json()["code"] == "not_authenticated"
    practitioner = sign_in_as(Client(), make_user(role=Role.PRACTITIONER, firm=demo_firm))
    response = practitioner.get(connections_url(northwind))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_agent_without_a_second_factor_is_signed_out(make_agent, northwind) -> None:
    response = sign_in_as(Client(), make_agent(2)).get(connections_url(northwind))
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_schema_documents_the_operation_without_a_secret_field(l2) -> None:
    schema = l2.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/firms/{firm_id}/sso-connections"]["get"]
    assert set(operation["responses"]) == {"200", "403", "404"}
    fields = schema["components"]["schemas"]["SsoConnection"]["properties"]
    assert "secret_set" in fields and "redirect_uri" in fields
    assert not [name for name in fields if "secret" in name and name not in {"secret_set", "secret_changed_at"}]
    assert SECRET not in json.dumps(schema)
