"""The API's changes and their audit rows commit together or not at all: the audit table fails for real."""

from __future__ import annotations

import pytest

from firmid.accounts.models import User
from firmid.tenancy.models import Firm
from firmid.testing.factories import give_factor
from firmid.testing.state import db_state

pytestmark = pytest.mark.usefixtures("demo")


def test_mfa_levels_saved_over_the_api_when_audit_write_fails_are_none_saved(l2, failing_audit) -> None:
    firm = Firm.objects.get(name="Demo Accounting")
    l2.raise_request_exception = False
    body = {"levels": {"practitioners": "mandatory", "clients": "suggested"}}
    before = db_state()
    with failing_audit("mfa_level_changed"):
        response = l2.put(f"/api/v1/firms/{firm.pk}/mfa-levels", body, content_type="application/json")
    assert response.status_code == 503 and response["Retry-After"]
    assert "Traceback" not in response.content.decode()
    assert db_state() == before


def test_mfa_reset_over_the_api_when_audit_write_fails_keeps_the_factor(l2, failing_audit) -> None:
    alice = User.objects.get(email="alice@demo-accounting.test")
    give_factor(alice)
    l2.raise_request_exception = False
    before = db_state()
    with failing_audit("mfa_reset"):
        response = l2.post(
            f"/api/v1/users/{alice.public_id}/mfa/reset",
            {"confirm": True, "reason": "Lost phone, identity checked"},
            content_type="application/json",
        )
    assert response.status_code == 503, response.content[:300]
    assert db_state() == before
