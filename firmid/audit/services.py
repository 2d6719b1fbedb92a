from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import DatabaseError, InterfaceError, OperationalError

from firmid.audit.actions import AuditAction, AuditOutcome, AuditReason
from firmid.audit.models import AuditEvent
from firmid.audit.signals import event_recorded
from firmid.core import clock
from firmid.core.client_address import client_address

logger = logging.getLogger("firmid.audit")

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.accounts.models import User
    from firmid.tenancy.models import Firm


class AuditUnavailable(OperationalError):
    """The audit log refused a row: the change it records must not be made either.

    An OperationalError, so that every edge answers it as it answers a database it cannot
    reach (a 503 with Retry-After, firmid.ops.outages.server_error), never a 500 and never
    as a service's refusal or a conflict (a failed insert may be an IntegrityError).
    """


def audit_record(
    *,
    action: AuditAction,
    actor: User | None = None,
    subject: User | None = None,
    firm: Firm | None = None,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    request: HttpRequest | None = None,
    reasons: Iterable[AuditReason] = (),
    **fields: str,
) -> AuditEvent:
    """Append one audit event; the firm defaults to the subject's; `reasons` are written to its detail.

    Called inside the transaction of the change it records (never on commit): if the row
    cannot be written, AuditUnavailable rolls the change back with it.
    """
    firm_id = firm.pk if firm is not None else (subject.firm_id if subject is not None else None)
    reasons = tuple(reasons)
    if reasons:
        fields["detail"] = "; ".join(filter(None, [*(reason.label for reason in reasons), fields.get("detail", "")]))
    try:
        event = AuditEvent.objects.create(
            at=clock.now(),
            action=action,
            outcome=outcome,
            actor=_saved(actor),
            actor_email=actor.email if actor else "",
            subject=_saved(subject),
            subject_email=subject.email if subject else "",
            firm_id=firm_id,
            ip_address=client_ip(request),
            **fields,
        )
    except (OperationalError, InterfaceError):
        raise  # the database is unreachable: answered as such, and logged there once
    except DatabaseError as error:  # it answered, and refused the row (a trigger, a read-only database)
        logger.error("audit row not written: %s", action, extra={"event": action, "error": type(error).__name__})
        raise AuditUnavailable(f"The audit log cannot record {action} right now.") from error
    _publish(event, frozenset(reasons))
    return event


def _publish(event: AuditEvent, reasons: frozenset[AuditReason]) -> None:
    """Log the event as structured fields and tell the listeners (metrics): never a secret, never a code."""
    event_recorded.send(sender=AuditEvent, event=event, reasons=reasons)
    logger.info(
        "%s %s",
        event.action,
        event.outcome,
        extra={
            "event": event.action,
            "outcome": event.outcome,
            "actor": event.actor_email,
            "subject": event.subject_email,
            "firm_id": event.firm_id,
            "user_type": event.user_type,
            "old": event.old_value,
            "new": event.new_value,
            "factor": event.factor_type,
            "ip": event.ip_address,
            "detail": event.detail,
        },
    )


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the client's address, as the trusted proxies name it (firmid.core.client_address)."""
    if request is None:
        return None
    return client_address(request) or None


def _saved(user: User | None) -> User | None:
    return user if user is not None and user.pk is not None else None
