"""Who may call the API: support agents only, level 1 read-only, CSRF on every write."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.crypto import get_random_string

from firmid.accounts.models import Role, User
from firmid.mfa.models import FirmMfaLevel
from firmid.tenancy.models import Firm
from firmid.testing.signin import sign_in_as

pytestmark = pytest.mark.usefixtures("demo")

LEVELS_BODY = {"levels": {"practitioners": "mandatory"}}


@pytest.fixture
def firm() -> Firm:
    return Firm.objects.get(name="Demo Accounting")


@pytest.fixture
def alice() -> User:
    return User.objects.get(email="alice@demo-accounting.test")


def writes(firm: Firm, user: User) -> list[tuple[str, object]]:
    """Every unsafe operation, each with a well-formed body (deactivate is accepted once activate was)."""
    return [
        (f"/api/v1/firms/{firm.pk}/mfa-levels", LEVELS_BODY),
        (f"/api/v1/users/{user.public_id}/mfa/activate", {}),
        (f"/api/v1/users/{user.public_id}/mfa/deactivate", {"confirm": True}),
        (f"/api/v1/users/{user.public_id}/mfa/reset", {"confirm": True, "reason": "Lost phone, identity checked"}),
    ]


def send(client: Client, url: str, body: object, **extra: str):
    method = client.put if url.endswith("mfa-levels") else client.post
    return method(url, body, content_type="application/json", **extra)


def test_anonymous_requests_are_refused_with_json(firm, alice, unchanged) -> None:
    client = Client()
    for url in ("/api/v1/firms/", f"/api/v1/firms/{firm.pk}/mfa-levels", f"/api/v1/users/{alice.public_id}/mfa"):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["code"] == "not_authenticated"
    with unchanged():
        for url, body in writes(firm, alice):
            assert send(client, url, body).status_code == 403


def test_firm_users_are_refused(make_user, firm, alice, unchanged) -> None:
    practitioner = make_user(role=Role.PRACTITIONER, firm=firm)
    client = sign_in_as(Client(), practitioner)
    response = client.get("/api/v1/firms/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only support agents can use this API.", "code": "permission_denied"}
    with unchanged():
        for url, body in writes(firm, alice):
            assert send(client, url, body).status_code == 403


def test_forged_write_from_a_level_1_agent_is_refused(agent_client, firm, alice, unchanged) -> None:
    client = agent_client(1)
    with unchanged():
        for url, body in writes(firm, alice):
            response = send(client, url, body)
            assert response.status_code == 403
            assert response.json() == {
                "detail": "Only level 2 and 3 support agents can change MFA settings.",
                "code": "permission_denied",
            }


def test_level_1_agent_is_refused_before_the_body_is_read(agent_client, firm, unchanged) -> None:
    client = agent_client(1)
    with unchanged():
        response = send(client, f"/api/v1/firms/{firm.pk}/mfa-levels", {"levels": {"x": "y"}})
    assert response.status_code == 403


def test_write_without_csrf_token_is_refused(agent_client, firm, alice, unchanged) -> None:
    client = agent_client(2, enforce_csrf=True)
    with unchanged():
        for url, body in writes(firm, alice):
            response = send(client, url, body)
            assert response.status_code == 403
            assert response.json()["detail"].startswith("CSRF Failed")


def test_write_with_csrf_token_is_accepted(agent_client, firm) -> None:
    client = agent_client(2, enforce_csrf=True)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    response = send(client, f"/api/v1/firms/{firm.pk}/mfa-levels", LEVELS_BODY, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert FirmMfaLevel.objects.get(firm=firm, user_type="practitioners").level == "mandatory"


def test_agent_without_a_second_factor_is_signed_out(make_agent) -> None:
    client = sign_in_as(Client(), make_agent(2))
    response = client.get("/api/v1/firms/")
    assert response.status_code == 401  # the session policy ends the session before the API runs
    assert response.json()["code"] == "not_authenticated"
    assert client.get("/api/v1/firms/").status_code == 403


def test_schema_is_served_to_support_agents_only(l2) -> None:
    response = l2.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/firms/{firm_id}/mfa-levels" in schema["paths"]
    assert "409" in schema["paths"]["/api/v1/firms/{firm_id}/mfa-levels"]["put"]["responses"]
    assert l2.get("/api/schema/").content.startswith(b"openapi: 3")
    assert Client().get("/api/schema/").status_code == 403
