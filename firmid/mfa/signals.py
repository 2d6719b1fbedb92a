"""Forget remembered MFA snapshots when anything a decision depends on is written."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models.signals import post_delete, post_save

from firmid.accounts.models import User
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import forget_decisions
from firmid.sso.models import SsoConnection

# Saves that cannot change a decision: a factor's use, a user's sign-in bookkeeping.
_IRRELEVANT_FIELDS = {
    Authenticator: frozenset({"last_used_at"}),
    User: frozenset({"last_login", "password", "session_generation"}),
}


def _forget(sender, update_fields=None, **kwargs) -> None:  # noqa: ANN001, ANN003
    irrelevant = _IRRELEVANT_FIELDS.get(sender, frozenset())
    if update_fields and frozenset(update_fields) <= irrelevant:
        return
    forget_decisions()


def connect() -> None:
    from firmid.mfa.factors.webauthn.flows import forget_passwordless_offered

    post_save.connect(forget_passwordless_offered, sender=FirmMfaLevel, dispatch_uid="firmid_mfa_passwordless_save")
    post_delete.connect(forget_passwordless_offered, sender=FirmMfaLevel, dispatch_uid="firmid_mfa_passwordless_delete")
    for model in (Authenticator, FirmMfaLevel, SsoConnection, User):
        post_save.connect(_forget, sender=model, dispatch_uid=f"firmid_mfa_forget_save_{model.__name__}")
        post_delete.connect(_forget, sender=model, dispatch_uid=f"firmid_mfa_forget_delete_{model.__name__}")
