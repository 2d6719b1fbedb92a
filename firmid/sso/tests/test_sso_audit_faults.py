"""An SSO connection and its audit row commit together or not at all: the audit table fails for real."""

from __future__ import annotations

import pytest

from firmid.audit.models import AuditEvent
from firmid.audit.services import AuditUnavailable
from firmid.policy import UserType
from firmid.sso.models import SsoConnection
from firmid.sso.services import ConnectionSettings, sso_connection_save
from firmid.tenancy.services import firm_create


@pytest.fixture
def firm(db):
    return firm_create(name="Northwind Partners")


def connect(firm, issuer: str) -> SsoConnection:
    values = ConnectionSettings(issuer=issuer, client_id="firmid")
    return sso_connection_save(firm=firm, user_type=UserType.PRACTITIONERS, values=values, actor=None)


def test_sso_connection_when_audit_write_fails_is_not_saved(firm, failing_audit) -> None:
    with failing_audit("sso_connected"), pytest.raises(AuditUnavailable):
        connect(firm, "https://idp.northwind.test")
    assert not SsoConnection.objects.filter(firm=firm).exists()
    connect(firm, "https://idp.northwind.test")
    assert AuditEvent.objects.filter(action="sso_connected", firm=firm).count() == 1


def test_sso_issuer_change_when_audit_write_fails_keeps_the_old_issuer(firm, failing_audit) -> None:
    connect(firm, "https://idp.northwind.test")
    with failing_audit("sso_updated"), pytest.raises(AuditUnavailable):
        connect(firm, "https://evil.example")
    assert SsoConnection.objects.get(firm=firm).issuer == "https://idp.northwind.test"
    assert not AuditEvent.objects.filter(action="sso_updated").exists()
