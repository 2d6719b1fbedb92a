"""What the audit log tells others: listeners follow typed events, never log lines or strings."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once an AuditEvent row is written, inside the transaction of the change it records:
# sender=AuditEvent, event=the row (its action an AuditAction, its outcome an AuditOutcome),
# reasons=a frozenset of AuditReason.
event_recorded = Signal()
