"""Snapshots of what a refused or failed change must leave untouched."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from allauth.mfa.models import Authenticator
from oauth2_provider.models import get_application_model

from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.mfa.models import FirmMfaLevel


def mfa_state() -> tuple:
    """Everything a change could alter: levels, flags, factors, sessions, applications, the audit log's size."""
    application = get_application_model()
    return (
        sorted(FirmMfaLevel.objects.values_list("firm_id", "user_type", "level")),
        sorted(User.objects.filter(mfa_individually_activated=True).values_list("pk", flat=True)),
        sorted(Authenticator.objects.values_list("pk", flat=True)),
        sorted(User.objects.values_list("pk", "session_generation", "is_active")),
        sorted(application.objects.values_list("pk", "name", "client_secret", "redirect_uris")),
        AuditEvent.objects.count(),
    )


def db_state() -> tuple:
    """What a refused API request must leave untouched: levels, users' MFA, factors, the audit log's size."""
    return (
        sorted(FirmMfaLevel.objects.values_list("firm_id", "user_type", "level")),
        sorted(User.objects.values_list("pk", "mfa_individually_activated", "session_generation")),
        sorted(Authenticator.objects.values_list("pk", "user_id")),
        AuditEvent.objects.count(),
    )


@contextmanager
def state_unchanged() -> Iterator[None]:
    """Fail if the block changed db_state()."""
    before = db_state()
    yield
    assert db_state() == before
