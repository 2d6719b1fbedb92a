from __future__ import annotations

from django.db.models import QuerySet

from firmid.audit.models import AuditEvent
from firmid.tenancy.models import Firm


def audit_events_of_firm(*, firm: Firm) -> QuerySet[AuditEvent]:
    """Return a firm's audit trail, newest first."""
    return AuditEvent.objects.filter(firm=firm).order_by("-at", "-id")
