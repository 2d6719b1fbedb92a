"""Support's changes and their audit rows commit together or not at all: the audit table fails for real.

Each test makes the database refuse the change's audit row (failing_audit, a trigger) as a
level 2 agent confirms it, and checks that the agent gets a clean 503 (Retry-After, no
trace), that nothing changed (levels, flags, factors, sessions, tokens, addresses, the audit
log), and that the same change, made again once the audit log works, has its one row.
"""

from __future__ import annotations

import pytest
from django.test import Client
from oauth2_provider.models import get_refresh_token_model

from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.mfa.models import FirmMfaLevel
from firmid.tenancy.models import Firm
from firmid.testing.administration import user_url
from firmid.testing.factories import activate, give_factor
from firmid.testing.oidc import demo_rp_tokens
from firmid.testing.state import mfa_state

RefreshToken = get_refresh_token_model()
ALICE = "alice@demo-accounting.test"
NEW = "alice.smith@demo-accounting.test"


@pytest.fixture
def alice(demo) -> User:
    return User.objects.get(email=ALICE)


@pytest.fixture
def agent(client: Client, signed_in_agent) -> User:
    """A level 2 agent signed in on `client`, which gets error pages as a browser does."""
    client.raise_request_exception = False
    return signed_in_agent(2)


def state() -> tuple:
    """mfa_state() and what else a change could alter: addresses, live refresh tokens."""
    return (
        mfa_state(),
        sorted(User.objects.values_list("pk", "email")),
        RefreshToken.objects.filter(revoked__isnull=True).count(),
    )


def refused_as_unavailable(client: Client, failing_audit, action: str, url: str, data: dict | None = None) -> None:
    """POST `url` while `action`'s audit row fails: a clean 503 and nothing changed."""
    before = state()
    with failing_audit(action):
        response = client.post(url, data or {})
    body = response.content.decode()
    assert response.status_code == 503, body[:300]
    assert response["Retry-After"] and "Traceback" not in body and "audit down" not in body
    assert state() == before


def made_with_one_row(client: Client, action: str, url: str, data: dict | None = None) -> None:
    response = client.post(url, data or {})
    assert response.status_code == 302, response.content[:300]
    assert AuditEvent.objects.filter(action=action).count() == 1


def test_mfa_reset_when_audit_write_fails_keeps_the_factor_and_sessions(client, agent, alice, failing_audit) -> None:
    give_factor(alice)
    posted = {"reason": "Lost phone"}
    refused_as_unavailable(client, failing_audit, "mfa_reset", user_url(alice, "reset-mfa"), posted)
    made_with_one_row(client, "mfa_reset", user_url(alice, "reset-mfa"), posted)


def test_mfa_level_change_when_audit_write_fails_is_not_saved(client, agent, alice, failing_audit) -> None:
    firm = Firm.objects.get(name="Demo Accounting")
    url = f"/administration/firms/{firm.pk}/security/"
    posted = {"level_practitioners": "mandatory"}
    refused_as_unavailable(client, failing_audit, "mfa_level_changed", url, posted)
    assert not FirmMfaLevel.objects.filter(firm=firm, user_type="practitioners", level="mandatory").exists()
    made_with_one_row(client, "mfa_level_changed", url, posted)


def test_individual_mfa_activation_when_audit_write_fails_is_not_saved(client, agent, alice, failing_audit) -> None:
    refused_as_unavailable(client, failing_audit, "mfa_user_activated", user_url(alice, "activate-mfa"))
    made_with_one_row(client, "mfa_user_activated", user_url(alice, "activate-mfa"))


def test_individual_mfa_deactivation_when_audit_write_fails_is_not_saved(client, agent, alice, failing_audit) -> None:
    activate(alice)
    refused_as_unavailable(client, failing_audit, "mfa_user_deactivated", user_url(alice, "deactivate-mfa"))
    made_with_one_row(client, "mfa_user_deactivated", user_url(alice, "deactivate-mfa"))


def test_user_disabled_when_audit_write_fails_stays_enabled_with_sessions_and_tokens(
    client, agent, alice, failing_audit, password
) -> None:
    demo_rp_tokens(ALICE, password)
    refused_as_unavailable(client, failing_audit, "user_disabled", user_url(alice, "disable"))
    assert User.objects.get(pk=alice.pk).is_active
    assert RefreshToken.objects.filter(user=alice, revoked__isnull=True).exists()
    made_with_one_row(client, "user_disabled", user_url(alice, "disable"))


def test_user_enabled_when_audit_write_fails_stays_disabled(client, agent, alice, failing_audit) -> None:
    User.objects.filter(pk=alice.pk).update(is_active=False)
    refused_as_unavailable(client, failing_audit, "user_enabled", user_url(alice, "enable"))
    assert not User.objects.get(pk=alice.pk).is_active
    made_with_one_row(client, "user_enabled", user_url(alice, "enable"))


def test_address_change_when_audit_write_fails_keeps_the_old_address(client, agent, alice, failing_audit) -> None:
    url = user_url(alice, "email")
    refused_as_unavailable(client, failing_audit, "email_changed", url, {"email": NEW})
    assert User.objects.get(pk=alice.pk).email == ALICE
    made_with_one_row(client, "email_changed", url, {"email": NEW})
