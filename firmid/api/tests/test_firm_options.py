"""A firm's rollout dates and factor options over the API: the same services as the tab, strict input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from firmid.accounts.models import Role
from firmid.audit.models import AuditEvent
from firmid.core import clock
from firmid.mfa.levels.selectors import TypeMfaOptions, firm_type_mfa_options
from firmid.policy import UserType
from firmid.tenancy.models import Firm
from firmid.testing.factories import give_factor

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def demo_firm() -> Firm:
    return Firm.objects.get(name="Demo Accounting")


@pytest.fixture
def northwind() -> Firm:
    return Firm.objects.get(name="Northwind Partners")


def levels_url(firm: Firm) -> str:
    return f"/api/v1/firms/{firm.pk}/mfa-levels"


def put(client: Client, firm: Firm, body: object):
    return client.put(levels_url(firm), body, content_type="application/json")


def day_in(days: int) -> str:
    return (clock.now() + timedelta(days=days)).date().isoformat()


def options(firm: Firm) -> TypeMfaOptions:
    return firm_type_mfa_options(firm=firm, user_type=UserType.PRACTITIONERS)


def test_a_rollout_and_options_are_saved_and_answered(l2, demo_firm) -> None:
    body = {
        "levels": {"practitioners": "mandatory"},
        "mandatory_from": {"practitioners": day_in(30)},
        "options": {"practitioners": {"allowed_methods": ["webauthn"], "trust_browser_days": 0}},
    }
    response = put(l2, demo_firm, body)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "changes": [
            {
                "user_type": "practitioners",
                "old": "upon_request",
                "new": "mandatory",
                "old_mandatory_from": None,
                "new_mandatory_from": day_in(30),
            }
        ],
        "option_changes": [
            {
                "user_type": "practitioners",
                "option": "allowed_methods",
                "old": ["totp", "webauthn"],
                "new": ["webauthn"],
            }
        ],
    }
    read = l2.get(levels_url(demo_firm)).json()
    assert read["mandatory_from"] == {"practitioners": day_in(30)}
    assert read["options"]["practitioners"]["allowed_methods"] == ["webauthn"]
    assert options(demo_firm).mandatory_from.date().isoformat() == day_in(30)


def test_options_alone_change_no_level(l2, demo_firm) -> None:
    response = put(l2, demo_firm, {"levels": {}, "options": {"clients": {"email_code_before_enrolment": True}}})
    assert response.status_code == 200
    assert response.json() == {
        "changes": [],
        "option_changes": [
            {"user_type": "clients", "option": "email_code_before_enrolment", "old": False, "new": True}
        ],
    }
    events = AuditEvent.objects.filter(action="mfa_options_changed", firm=demo_firm)
    assert list(events.values_list("user_type", "old_value", "new_value", "detail")) == [
        ("clients", "false", "true", "email_code_before_enrolment")
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"levels": {"practitioners": "mandatory"}, "mandatory_from": {"practitioners": "2020-01-01"}},
            "is not in the future",
        ),
        (
            {"levels": {"practitioners": "mandatory"}, "mandatory_from": {"practitioners": "15/01/2030"}},
            "Date has wrong format",
        ),
        ({"levels": {"practitioners": "mandatory"}, "mandatory_from": {"practitioners": None}}, "may not be null"),
        (
            {"levels": {}, "mandatory_from": {"practitioners": "2030-01-15"}},
            "give the type's level (mandatory) in levels",
        ),
        (
            {"levels": {"practitioners": "suggested"}, "mandatory_from": {"practitioners": "2030-01-15"}},
            "Mandatory from goes with the Mandatory level only",
        ),
        ({"levels": {}, "mandatory_from": {"partners": "2030-01-15"}}, "Unknown user type"),
        ({"levels": {}, "options": {"practitioners": {"allowed_methods": []}}}, "Allow at least one method"),
        ({"levels": {}, "options": {"practitioners": {"allowed_methods": ["sms"]}}}, "Unknown method 'sms'"),
        ({"levels": {}, "options": {"practitioners": {"allowed_methods": "totp"}}}, "allowed_methods"),
        ({"levels": {}, "options": {"practitioners": {"trust_browser_days": 366}}}, "less than or equal to 365"),
        ({"levels": {}, "options": {"practitioners": {"trust_browser_days": -1}}}, "greater than or equal to 0"),
        ({"levels": {}, "options": {"practitioners": {"trust_browser_days": "30"}}}, "A valid integer is required"),
        ({"levels": {}, "options": {"practitioners": {"trust_browser_days": 1.5}}}, "A valid integer is required"),
        ({"levels": {}, "options": {"practitioners": {"passwordless_passkeys": "yes"}}}, "Must be true or false"),
        (
            {"levels": {}, "options": {"practitioners": {"allowed_methods": ["totp"], "passwordless_passkeys": True}}},
            "Passkey sign-in without a password needs Passkeys",
        ),
        ({"levels": {}, "options": {"practitioners": {"trust_days": 3}}}, "trust_days: Unknown field"),
        ({"levels": {}, "options": {"auditors": {}}}, "Unknown user type"),
    ],
)
def test_bad_dates_and_options_are_a_clear_400_and_nothing_is_saved(l2, demo_firm, unchanged, body, message) -> None:
    with unchanged():
        response = put(l2, demo_firm, body)
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]


def test_restricting_methods_someone_relies_on_is_409_until_confirmed(l2, make_user, demo_firm, unchanged) -> None:
    give_factor(make_user(role=Role.PRACTITIONER, firm=demo_firm, email="app.user@demo.test"))
    body = {"levels": {}, "options": {"practitioners": {"allowed_methods": ["webauthn"]}}}
    with unchanged():
        response = put(l2, demo_firm, body)
    assert response.status_code == 409
    assert response.json()["code"] == "confirmation_required"
    assert "practitioner will have to add a passkey at their next sign-in" in response.json()["detail"]
    assert put(l2, demo_firm, {**body, "confirm": True}).status_code == 200
    assert options(demo_firm).allowed_methods == frozenset({"webauthn"})


def test_options_of_a_type_under_sso_are_409(l2, northwind, unchanged) -> None:
    with unchanged():
        response = put(l2, northwind, {"levels": {}, "options": {"practitioners": {"trust_browser_days": 3}}})
    assert response.status_code == 409
    assert "SSO connection" in response.json()["detail"]
    assert "practitioners" not in l2.get(levels_url(northwind)).json()["options"]


def test_level_1_agent_may_read_but_not_save_options(agent_client, demo_firm, unchanged) -> None:
    l1 = agent_client(1)
    assert l1.get(levels_url(demo_firm)).status_code == 200
    with unchanged():
        response = put(l1, demo_firm, {"levels": {}, "options": {"clients": {"trust_browser_days": 3}}})
    assert response.status_code == 403
