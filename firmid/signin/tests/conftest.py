"""Fixtures of the sign-in through a firm's identity provider (test_federation*.py)."""

from __future__ import annotations

import pytest

from firmid.accounts.models import Role, User
from firmid.sso.models import SsoConnection
from firmid.testing.federation import connect_northwind

ERIN = "erin@northwind.test"


@pytest.fixture
def connection(upstream_idp) -> SsoConnection:
    """A firm's practitioners signed in through the tests' Northwind provider (northwind.test)."""
    return connect_northwind(upstream_idp.issuer)


@pytest.fixture
def erin(connection: SsoConnection, make_user) -> User:
    """A practitioner of that firm, known at the provider (TOTP always), not linked yet."""
    return make_user(role=Role.PRACTITIONER, firm=connection.firm, email=ERIN)
