from __future__ import annotations

from typing import TYPE_CHECKING

from firmid.audit.models import AuditEvent
from firmid.core import clock

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.accounts.models import User
    from firmid.tenancy.models import Firm


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    subject: User | None = None,
    firm: Firm | None = None,
    outcome: str = "success",
    request: HttpRequest | None = None,
    **fields: str,
) -> AuditEvent:
    """Append one audit event; the firm defaults to the subject's."""
    if firm is None and subject is not None:
        firm = subject.firm
    return AuditEvent.objects.create(
        at=clock.now(),
        action=action,
        outcome=outcome,
        actor=_saved(actor),
        actor_email=actor.email if actor else "",
        subject=_saved(subject),
        subject_email=subject.email if subject else "",
        firm=firm,
        ip_address=client_ip(request),
        **fields,
    )


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the peer address; behind a proxy, the proxy must set REMOTE_ADDR (see deployment)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _saved(user: User | None) -> User | None:
    return user if user is not None and user.pk is not None else None
