"""Firms over the API: search, read and save MFA levels through the same services as the web."""

from __future__ import annotations

import pytest

from firmid.audit.models import AuditEvent
from firmid.mfa.models import FirmMfaLevel
from firmid.tenancy.models import Firm

pytestmark = pytest.mark.usefixtures("demo")


def levels_url(firm: Firm) -> str:
    return f"/api/v1/firms/{firm.pk}/mfa-levels"


def put(client, firm: Firm, body: object):
    return client.put(levels_url(firm), body, content_type="application/json")


@pytest.fixture
def demo_firm() -> Firm:
    return Firm.objects.get(name="Demo Accounting")


@pytest.fixture
def northwind() -> Firm:
    """Its practitioners sign in through the firm's SSO connection."""
    return Firm.objects.get(name="Northwind Partners")


# A type's factor options where none were saved: every method, nothing else.
DEFAULT_OPTIONS = {
    "allowed_methods": ["totp", "webauthn"],
    "passwordless_passkeys": False,
    "trust_browser_days": 0,
    "email_code_before_enrolment": False,
}


def saved_level(firm: Firm, user_type: str) -> str | None:
    return FirmMfaLevel.objects.filter(firm=firm, user_type=user_type).values_list("level", flat=True).first()


def test_firm_search_is_paginated_and_filtered_by_name(l2) -> None:
    body = l2.get("/api/v1/firms/", {"q": "north"}).json()
    assert body["count"] == 1
    assert [firm["name"] for firm in body["results"]] == ["Northwind Partners"]
    assert set(body) == {"count", "next", "previous", "results"}


def test_firm_search_with_an_overlong_query_is_a_clear_400(l2) -> None:
    response = l2.get("/api/v1/firms/", {"q": "x" * 201})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "q:" in response.json()["detail"]


def test_firm_search_beyond_the_last_page_is_404(l2) -> None:
    assert l2.get("/api/v1/firms/", {"page": 99}).status_code == 404


def test_levels_default_to_upon_request(l2, demo_firm) -> None:
    body = l2.get(levels_url(demo_firm)).json()
    assert body == {
        "firm": {"id": demo_firm.pk, "name": "Demo Accounting"},
        "levels": {"practitioners": "upon_request", "clients": "upon_request", "client_employees": "upon_request"},
        "mandatory_from": {},
        "options": {t: DEFAULT_OPTIONS for t in ("practitioners", "clients", "client_employees")},
        "sso_managed": [],
    }


def test_types_under_sso_have_no_level_shown(l2, northwind) -> None:
    body = l2.get(levels_url(northwind)).json()
    assert body["levels"] == {"clients": "upon_request", "client_employees": "upon_request"}
    assert body["sso_managed"] == ["practitioners"]


def test_level_1_agent_may_read_levels(agent_client, demo_firm) -> None:
    assert agent_client(1).get(levels_url(demo_firm)).status_code == 200


def test_saving_levels_applies_them_and_audits_each_change(l2, demo_firm) -> None:
    response = put(l2, demo_firm, {"levels": {"practitioners": "mandatory", "clients": "suggested"}})
    assert response.status_code == 200
    at_once = {"old_mandatory_from": None, "new_mandatory_from": None}
    assert response.json() == {
        "changes": [
            {"user_type": "practitioners", "old": "upon_request", "new": "mandatory", **at_once},
            {"user_type": "clients", "old": "upon_request", "new": "suggested", **at_once},
        ],
        "option_changes": [],
    }
    assert saved_level(demo_firm, "practitioners") == "mandatory"
    assert saved_level(demo_firm, "clients") == "suggested"
    events = AuditEvent.objects.filter(action="mfa_level_changed", firm=demo_firm)
    assert sorted(events.values_list("actor_email", "user_type", "old_value", "new_value")) == [
        ("agent.l2@firmid.test", "clients", "upon_request", "suggested"),
        ("agent.l2@firmid.test", "practitioners", "upon_request", "mandatory"),
    ]


def test_saving_the_same_level_again_changes_nothing(l2, demo_firm, unchanged) -> None:
    put(l2, demo_firm, {"levels": {"practitioners": "suggested"}})
    with unchanged():
        response = put(l2, demo_firm, {"levels": {"practitioners": "suggested"}})
    assert response.status_code == 200 and response.json() == {"changes": [], "option_changes": []}


def test_level_3_agent_may_save_levels(agent_client, demo_firm) -> None:
    response = put(agent_client(3), demo_firm, {"levels": {"client_employees": "mandatory"}})
    assert response.status_code == 200
    assert saved_level(demo_firm, "client_employees") == "mandatory"


def test_lowering_to_upon_request_without_confirm_is_409(l2, demo_firm, unchanged) -> None:
    put(l2, demo_firm, {"levels": {"practitioners": "mandatory"}})
    with unchanged():
        response = put(l2, demo_firm, {"levels": {"practitioners": "upon_request", "clients": "mandatory"}})
    assert response.status_code == 409
    assert response.json()["code"] == "confirmation_required"
    assert "confirmed" in response.json()["detail"]


def test_lowering_to_upon_request_with_confirm_is_saved(l2, demo_firm) -> None:
    put(l2, demo_firm, {"levels": {"practitioners": "mandatory"}})
    response = put(l2, demo_firm, {"levels": {"practitioners": "upon_request"}, "confirm": True})
    assert response.status_code == 200
    assert saved_level(demo_firm, "practitioners") == "upon_request"


def test_setting_a_level_for_a_type_under_sso_is_409(l2, northwind, unchanged) -> None:
    with unchanged():
        response = put(l2, northwind, {"levels": {"practitioners": "mandatory", "clients": "mandatory"}})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "SSO connection" in response.json()["detail"]


def test_unknown_firm_is_404(l2, unchanged) -> None:
    with unchanged():
        put_response = l2.put(
            "/api/v1/firms/999999/mfa-levels", {"levels": {"clients": "mandatory"}}, content_type="application/json"
        )
    assert put_response.status_code == 404
    assert put_response.json() == {"detail": "No accounting firm has this id.", "code": "not_found"}
    assert l2.get("/api/v1/firms/999999/mfa-levels").status_code == 404


def test_firm_id_beyond_any_integer_column_is_404_not_500(l2) -> None:
    assert l2.get(f"/api/v1/firms/{10**30}/mfa-levels").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"levels": {"practitioners": "maximum"}}, "Unknown MFA level 'maximum'"),
        ({"levels": {"practitioners": "mandatory", "partners": "mandatory"}}, "Unknown user type"),
        ({"levels": {"practitioners": "mandatory"}, "force": True}, "force: Unknown field"),
        ({"levels": {"practitioners": "mandatory"}, "confirm": "yes"}, "confirm: Must be true or false"),
        ({"levels": {"practitioners": 3}}, "Unknown MFA level"),
        ({"levels": ["practitioners", "mandatory"]}, "levels:"),
        ({"levels": None}, "levels:"),
        ({}, "levels: This field is required"),
        (["practitioners"], "Expected a dictionary"),
    ],
)
def test_bad_input_is_a_clear_400_and_nothing_is_saved(l2, demo_firm, unchanged, body, message) -> None:
    with unchanged():
        response = put(l2, demo_firm, body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert message in response.json()["detail"]


def test_malformed_json_is_400(l2, demo_firm, unchanged) -> None:
    with unchanged():
        response = l2.put(levels_url(demo_firm), '{"levels": {', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_form_encoded_body_is_415(l2, demo_firm, unchanged) -> None:
    with unchanged():
        response = l2.put(levels_url(demo_firm), "levels=mandatory", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize("page", ["", "x", "0", "-1", "1.5", "١"])
def test_malformed_page_number_is_refused(l2, page: str) -> None:
    response = l2.get("/api/v1/firms/", {"page": page})
    assert response.status_code == 400
    assert "page" in response.json()["errors"]
