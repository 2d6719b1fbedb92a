from __future__ import annotations

from django.db import transaction

from firmid.accounts.models import User
from firmid.accounts.permissions import require_can_change_mfa
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.policy import UserType
from firmid.sso.models import SsoConnection
from firmid.tenancy.models import Firm


@transaction.atomic
def sso_connect(
    *, firm: Firm, user_type: UserType, issuer: str, client_id: str, actor: User | None = None
) -> SsoConnection:
    """Sign a firm's user type in through its identity provider; firmid then leaves MFA to it."""
    if actor is not None:
        require_can_change_mfa(actor)
    connection, created = SsoConnection.objects.update_or_create(
        firm=firm, user_type=user_type.value, defaults={"issuer": issuer, "client_id": client_id}
    )
    audit_record(
        action=AuditAction.SSO_CONNECTED if created else AuditAction.SSO_UPDATED,
        actor=actor,
        firm=firm,
        user_type=user_type.value,
        new_value=issuer[:64],
    )
    return connection
