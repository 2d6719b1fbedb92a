"""A firm user's MFA over the API: status, individual activation (and its undoing) and reset."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.mfa.models import FirmMfaLevel, MailboxProof
from firmid.testing.factories import activate, give_factor

pytestmark = pytest.mark.usefixtures("demo")


def mfa_url(user: User, action: str = "") -> str:
    return f"/api/v1/users/{user.public_id}/mfa" + (f"/{action}" if action else "")


def post(client, url: str, body: object | None = None):
    if body is None:
        return client.generic("POST", url)  # no body, no Content-Type, as `curl -X POST` sends
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def alice() -> User:
    return User.objects.get(email="alice@demo-accounting.test")


@pytest.fixture
def erin() -> User:
    """A practitioner of Northwind, whose practitioners sign in through SSO."""
    return User.objects.get(email="erin@northwind.test")


@pytest.fixture
def alice_with_factor(alice: User) -> User:
    give_factor(alice)
    return alice


def test_user_status_is_the_policy_decision(l2, alice) -> None:
    body = l2.get(mfa_url(alice)).json()
    assert body == {
        "user": {
            "id": str(alice.public_id),
            "email": "alice@demo-accounting.test",
            "full_name": "Alice Martin",
            "role": "practitioner",
            "user_type": "practitioners",
            "firm": {"id": alice.firm_id, "name": "Demo Accounting"},
        },
        "status": "Not offered",
        "action": "none",
        "forced_by": [],
    }


def test_user_under_sso_is_managed_by_sso(l2, erin) -> None:
    body = l2.get(mfa_url(erin)).json()
    assert (body["status"], body["action"]) == ("Managed by SSO", "sso")


def test_unknown_user_and_support_agents_are_404(l2, unchanged) -> None:
    agent = User.objects.get(email="support.l3@firmid.test")
    assert l2.get("/api/v1/users/00000000-0000-4000-8000-000000000000/mfa").status_code == 404
    assert l2.get(mfa_url(agent)).json() == {"detail": "No firm user has this id.", "code": "not_found"}
    with unchanged():
        assert (
            post(l2, mfa_url(agent, "reset"), {"confirm": True, "reason": "Lost phone, identity checked"}).status_code
            == 404
        )


def test_activating_mfa_forces_enrolment_and_is_audited(l2, alice) -> None:
    response = post(l2, mfa_url(alice, "activate"))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["action"]) == ("Forced", "enroll_required")
    alice.refresh_from_db()
    assert alice.mfa_individually_activated
    event = AuditEvent.objects.get(action="mfa_user_activated")
    assert (event.actor_email, event.subject_email) == ("agent.l2@firmid.test", alice.email)


def test_activating_twice_is_409(l2, alice, unchanged) -> None:
    post(l2, mfa_url(alice, "activate"))
    with unchanged():
        response = post(l2, mfa_url(alice, "activate"))
    assert response.status_code == 409
    assert "Forced" in response.json()["detail"]


def test_activating_for_a_user_under_sso_is_409(l2, erin, unchanged) -> None:
    with unchanged():
        response = post(l2, mfa_url(erin, "activate"), {})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_activate_with_an_unknown_field_is_400(l2, alice, unchanged) -> None:
    with unchanged():
        response = post(l2, mfa_url(alice, "activate"), {"level": "mandatory"})
    assert response.status_code == 400
    assert "level: Unknown field" in response.json()["detail"]


def test_reset_without_confirm_is_409_and_keeps_the_factor(l2, alice_with_factor, unchanged) -> None:
    for body in ({"reason": "Lost phone"}, {"confirm": False, "reason": "Lost phone"}):
        with unchanged():
            response = post(l2, mfa_url(alice_with_factor, "reset"), body)
        assert response.status_code == 409
        assert response.json()["code"] == "confirmation_required"


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        {"confirm": True},
        {"confirm": True, "reason": "x"},
        {"confirm": True, "reason": "x" * 256},
        {"confirm": "true", "reason": "Lost phone"},
        {"confirm": 1, "reason": "Lost phone"},
        {"confirm": True, "reason": "Lost phone", "why": "lost phone"},
        {"confirm": True, "reason": "Lost phone", "send_setup_link": "yes"},
    ],
)
def test_reset_with_bad_input_is_400(l2, alice_with_factor, unchanged, body) -> None:
    with unchanged():
        response = post(l2, mfa_url(alice_with_factor, "reset"), body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_confirmed_reset_removes_factors_ends_sessions_and_is_audited(l2, alice_with_factor) -> None:
    assert l2.get(mfa_url(alice_with_factor)).json()["status"] == "Configured"
    generation = alice_with_factor.session_generation
    response = post(
        l2, mfa_url(alice_with_factor, "reset"), {"confirm": True, "reason": "Lost phone, identity checked"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "Not offered"
    assert not Authenticator.objects.filter(user=alice_with_factor).exists()
    alice_with_factor.refresh_from_db()
    assert alice_with_factor.session_generation == generation + 1
    assert AuditEvent.objects.filter(action="mfa_reset", subject=alice_with_factor).count() == 1


def test_reset_of_a_user_under_sso_is_409(l2, erin, unchanged) -> None:
    with unchanged():
        response = post(l2, mfa_url(erin, "reset"), {"confirm": True, "reason": "Lost phone, identity checked"})
    assert response.status_code == 409
    assert "not managed by firmid" in response.json()["detail"]


# --- why a user is Forced, and undoing an individual activation ---------------------------


@pytest.fixture
def alice_activated(alice: User) -> User:
    activate(alice)
    return User.objects.get(pk=alice.pk)


def test_user_status_says_why_mfa_is_forced(l2, alice_activated) -> None:
    body = l2.get(mfa_url(alice_activated)).json()
    assert (body["status"], body["forced_by"]) == ("Forced", ["individual_activation"])
    FirmMfaLevel.objects.create(firm=alice_activated.firm, user_type="practitioners", level="mandatory")
    assert l2.get(mfa_url(alice_activated)).json()["forced_by"] == ["firm_level", "individual_activation"]


def test_deactivating_without_confirm_is_409_and_changes_nothing(l2, alice_activated, unchanged) -> None:
    for body in (None, {}, {"confirm": False}):
        with unchanged():
            response = post(l2, mfa_url(alice_activated, "deactivate"), body)
        assert response.status_code == 409
        assert response.json()["code"] == "confirmation_required"
        assert "lowers their protection" in response.json()["detail"]


@pytest.mark.parametrize("body", [{"confirm": "true"}, {"confirm": True, "reason": "asked"}])
def test_deactivating_with_bad_input_is_400(l2, alice_activated, unchanged, body) -> None:
    with unchanged():
        response = post(l2, mfa_url(alice_activated, "deactivate"), body)
    assert response.status_code == 400


def test_confirmed_deactivation_undoes_the_activation_keeps_the_factor_and_is_audited(l2, alice_activated) -> None:
    give_factor(alice_activated)
    response = post(l2, mfa_url(alice_activated, "deactivate"), {"confirm": True})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["forced_by"]) == ("Configured", [])
    alice_activated.refresh_from_db()
    assert not alice_activated.mfa_individually_activated
    assert Authenticator.objects.filter(user=alice_activated).exists()
    event = AuditEvent.objects.get(action="mfa_user_deactivated")
    assert (event.actor_email, event.subject_email) == ("agent.l2@firmid.test", alice_activated.email)


def test_level_1_agent_forged_deactivation_is_403_and_changes_nothing(agent_client, alice_activated, unchanged) -> None:
    level_1 = agent_client(1)
    with unchanged():
        response = post(level_1, mfa_url(alice_activated, "deactivate"), {"confirm": True})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_deactivating_a_user_never_activated_is_409(l2, alice, unchanged) -> None:
    with unchanged():
        response = post(l2, mfa_url(alice, "deactivate"), {"confirm": True})
    assert response.status_code == 409
    assert "MFA was not activated for this user" in response.json()["detail"]


def test_deactivating_a_user_under_sso_is_409(l2, erin, unchanged) -> None:
    activate(erin)
    with unchanged():
        response = post(l2, mfa_url(erin, "deactivate"), {"confirm": True})
    assert response.status_code == 409
    assert "cannot be deactivated here" in response.json()["detail"]


def test_reset_may_email_a_single_use_set_up_link_and_records_the_reason(
    l2, alice_with_factor, django_capture_on_commit_callbacks
) -> None:
    body = {"confirm": True, "reason": "Ticket 4711: lost phone, identity checked", "send_setup_link": True}
    with django_capture_on_commit_callbacks(execute=True):
        assert post(l2, mfa_url(alice_with_factor, "reset"), body).status_code == 200
    event = AuditEvent.objects.get(action="mfa_reset", subject=alice_with_factor)
    assert event.detail == "Ticket 4711: lost phone, identity checked"
    assert MailboxProof.objects.filter(user=alice_with_factor, kind="setup_link", used_at=None).count() == 1
    assert any("/accounts/security/setup-link/" in m.body for m in mail.outbox)
