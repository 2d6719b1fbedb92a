"""Writes of the TOTP factor's stored secrets: re-encryption under the newest key."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db import transaction

from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core import crypto


@transaction.atomic
def totp_secrets_rotate() -> int:
    """Re-encrypt every TOTP secret under the newest key, all or none; return how many."""
    factors = list(Authenticator.objects.select_for_update().filter(type=Authenticator.Type.TOTP))
    for factor in factors:
        secret = crypto.reencrypt_or_refuse(factor.data["secret"], what=f"The TOTP secret of authenticator {factor.pk}")
        factor.data = {**factor.data, "secret": secret}
    Authenticator.objects.bulk_update(factors, ["data"], batch_size=500)
    audit_record(action=AuditAction.MFA_KEYS_ROTATED, detail=f"{len(factors)} TOTP secret(s) re-encrypted")
    return len(factors)
