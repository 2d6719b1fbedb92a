"""An audit row the database refuses: the change fails with it, as a 503, and the fault is real."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, OperationalError, transaction

from firmid.audit.models import AuditEvent
from firmid.audit.services import AuditUnavailable, audit_record


def test_refused_audit_row_rolls_back_the_change_it_records(alice, failing_audit) -> None:
    with failing_audit(), pytest.raises(AuditUnavailable):  # noqa: PT012 - the change and its row, together
        with transaction.atomic():
            type(alice).objects.filter(pk=alice.pk).update(full_name="Changed")
            audit_record(action="profile_changed", actor=alice, subject=alice)
    alice.refresh_from_db()
    assert alice.full_name != "Changed"
    assert not AuditEvent.objects.filter(action="profile_changed").exists()


def test_refused_audit_row_is_an_outage_not_a_conflict(alice, failing_audit) -> None:
    # A trigger's refusal is an IntegrityError on SQLite: a service catching IntegrityError
    # (an address taken meanwhile) must not mistake it for its own conflict.
    with failing_audit(), pytest.raises(AuditUnavailable) as refused:
        with transaction.atomic():
            audit_record(action="sign_in", actor=alice, subject=alice)
    assert isinstance(refused.value, OperationalError)
    assert not isinstance(refused.value, IntegrityError)


def test_selective_failure_refuses_only_the_named_actions(alice, failing_audit) -> None:
    with failing_audit("mfa_factor_added"):
        with transaction.atomic():
            audit_record(action="sign_in", actor=alice, subject=alice)
        with pytest.raises(AuditUnavailable), transaction.atomic():
            audit_record(action="mfa_factor_added", actor=alice, subject=alice)
    assert list(AuditEvent.objects.filter(subject=alice).values_list("action", flat=True)) == ["sign_in"]


def test_failing_audit_is_removed_after_its_block(alice, failing_audit) -> None:
    with failing_audit():
        pass
    audit_record(action="sign_in", actor=alice, subject=alice)
    assert AuditEvent.objects.filter(subject=alice, action="sign_in").count() == 1
