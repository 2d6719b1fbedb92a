"""Fixtures of the Administration application's tests: agents signed in with a configured factor."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from firmid.accounts.models import User
from firmid.tenancy.models import Firm
from firmid.testing.factories import give_factor
from firmid.testing.signin import sign_in_as


@pytest.fixture
def signed_in_agent(client: Client, make_agent) -> Callable[[int], User]:
    """signed_in_agent(level): a support agent of `level`, with a factor, signed in on `client`."""

    def sign_in(level: int) -> User:
        agent = make_agent(level)
        # Agents must always use MFA: without a factor the session policy would sign them out.
        give_factor(agent)
        sign_in_as(client, agent)
        return agent

    return sign_in


@pytest.fixture
def northwind(demo) -> Firm:
    """Northwind Partners: its practitioners sign in through SSO (https://idp.northwind.test)."""
    return Firm.objects.get(name="Northwind Partners")


@pytest.fixture
def demo_firm(demo) -> Firm:
    return Firm.objects.get(name="Demo Accounting")
