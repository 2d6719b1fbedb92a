from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from firmid.audit.models import AuditEvent
from firmid.tenancy.models import Firm

if TYPE_CHECKING:
    from firmid.accounts.models import User


def audit_events_of_firm(*, firm: Firm) -> QuerySet[AuditEvent]:
    """Return a firm's audit trail, newest first."""
    return AuditEvent.objects.filter(firm=firm).order_by("-at", "-id")


def audit_events_of_user(*, user: User) -> QuerySet[AuditEvent]:
    """Return what `user` did and what was done to their account, in their firm only, newest first."""
    return (
        AuditEvent.objects.filter(firm_id=user.firm_id).filter(Q(subject=user) | Q(actor=user)).order_by("-at", "-id")
    )
