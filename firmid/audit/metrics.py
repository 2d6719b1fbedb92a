"""Sign-in metrics, counted from the audit events: typed actions and reasons onto ops' counters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from firmid.audit.actions import AuditAction, AuditOutcome, AuditReason
from firmid.audit.models import AuditEvent
from firmid.ops.metrics import LOCKOUTS, PASSWORD_FAILURES, SECOND_FACTOR, SIGN_INS

# One table from events to counters, so the audit log and the metrics never disagree.
COUNTED: dict[tuple[AuditAction, AuditOutcome], Callable[[], None]] = {
    (AuditAction.SIGN_IN, AuditOutcome.SUCCESS): lambda: SIGN_INS.labels("success").inc(),
    (AuditAction.SIGN_IN_PASSWORD, AuditOutcome.FAILURE): PASSWORD_FAILURES.inc,
    (AuditAction.SIGN_IN_PASSWORD, AuditOutcome.REFUSED): lambda: SIGN_INS.labels("refused").inc(),
    (AuditAction.MFA_SIGN_IN, AuditOutcome.FAILURE): lambda: SECOND_FACTOR.labels("failure").inc(),
    (AuditAction.MFA_SIGN_IN, AuditOutcome.LOCKED): lambda: SECOND_FACTOR.labels("locked").inc(),
    (AuditAction.MFA_VERIFIED, AuditOutcome.SUCCESS): lambda: SECOND_FACTOR.labels("success").inc(),
}


def count_event(
    sender: Any, *, event: AuditEvent, reasons: frozenset[AuditReason] = frozenset(), **kwargs: Any
) -> None:
    """Count an audit event if it is one the metrics follow (connected in AuditConfig.ready)."""
    counter = COUNTED.get((event.action, event.outcome))
    if counter is not None:
        counter()
    if AuditReason.ACCOUNT_LOCKED in reasons:
        LOCKOUTS.inc()
