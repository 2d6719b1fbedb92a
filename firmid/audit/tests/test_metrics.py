"""Metrics follow typed audit events: each action and outcome onto its counter, a lock by its reason."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from firmid.audit.actions import AuditAction, AuditOutcome, AuditReason
from firmid.audit.models import AuditEvent
from firmid.audit.services import audit_record

pytestmark = pytest.mark.django_db

A, OUT = AuditAction, AuditOutcome

# action, outcome -> the sample that goes up by one (name, labels)
COUNTED = [
    (A.SIGN_IN, OUT.SUCCESS, ("firmid_sign_ins_total", {"outcome": "success"})),
    (A.SIGN_IN_PASSWORD, OUT.REFUSED, ("firmid_sign_ins_total", {"outcome": "refused"})),
    (A.SIGN_IN_PASSWORD, OUT.FAILURE, ("firmid_password_failures_total", {})),
    (A.MFA_SIGN_IN, OUT.FAILURE, ("firmid_second_factor_checks_total", {"outcome": "failure"})),
    (A.MFA_SIGN_IN, OUT.LOCKED, ("firmid_second_factor_checks_total", {"outcome": "locked"})),
    (A.MFA_VERIFIED, OUT.SUCCESS, ("firmid_second_factor_checks_total", {"outcome": "success"})),
]
SAMPLES = [sample for *_, sample in COUNTED] + [("firmid_lockouts_total", {})]


def _samples() -> dict[str, float]:
    return {f"{name}{labels}": REGISTRY.get_sample_value(name, labels) or 0.0 for name, labels in SAMPLES}


def _counted(**record: object) -> dict[str, float]:
    """Record one event; return by how much each sign-in sample went up."""
    before = _samples()
    audit_record(**record)
    return {key: value - before[key] for key, value in _samples().items() if value != before[key]}


@pytest.mark.parametrize(("action", "outcome", "sample"), COUNTED)
def test_each_counted_event_adds_one_to_its_counter(action: AuditAction, outcome: AuditOutcome, sample: tuple) -> None:
    name, labels = sample
    assert _counted(action=action, outcome=outcome) == {f"{name}{labels}": 1.0}


@pytest.mark.parametrize(
    ("action", "outcome"),
    [
        (A.SIGN_IN, OUT.REFUSED),
        (A.MFA_REAUTHENTICATION, OUT.FAILURE),
        (A.MFA_RESET, OUT.SUCCESS),
        (A.SIGN_OUT, OUT.SUCCESS),
    ],
)
def test_other_events_count_nothing(action: AuditAction, outcome: AuditOutcome) -> None:
    assert _counted(action=action, outcome=outcome) == {}


@pytest.mark.parametrize(
    ("reasons", "detail"),
    [
        ((AuditReason.ACCOUNT_LOCKED,), "account locked"),
        ((AuditReason.CODE_REPLAYED, AuditReason.ACCOUNT_LOCKED), "code already used; account locked"),
    ],
)
def test_a_lock_is_counted_by_its_reason_and_written_to_the_detail(reasons: tuple, detail: str) -> None:
    counted = _counted(action=A.MFA_SIGN_IN, outcome=OUT.FAILURE, reasons=reasons)
    assert counted["firmid_lockouts_total{}"] == 1.0
    assert AuditEvent.objects.get().detail == detail


def test_a_detail_that_reads_like_a_lock_is_not_counted_as_one() -> None:
    counted = _counted(action=A.MFA_SIGN_IN, outcome=OUT.FAILURE, detail="account locked")
    assert "firmid_lockouts_total{}" not in counted
