"""Fixtures of the Administration application's tests: agents signed in with a configured factor."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client

from firmid.accounts.adapter import SIGNED_IN_AT
from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.core import clock
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm


def configure_totp(user: User) -> str:
    """Give `user` a configured authenticator app, as enrolment would; return its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def sign_in_as(client: Client, user: User) -> None:
    """Sign `user` in as the real sign-in leaves them (force_login skips allauth's adapter)."""
    client.force_login(user)
    session = client.session
    session[SIGNED_IN_AT] = clock.timestamp()
    session.save()


def set_level(firm: Firm, user_type: UserType, level: MfaLevel) -> None:
    FirmMfaLevel.objects.update_or_create(firm=firm, user_type=user_type.value, defaults={"level": level.value})


def messages_of(response: HttpResponse) -> list[str]:
    """The messages a response left for the next page."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def mfa_state() -> tuple:
    """Everything an MFA change could alter: levels, flags, factors and the audit log's size."""
    return (
        sorted(FirmMfaLevel.objects.values_list("firm_id", "user_type", "level")),
        sorted(User.objects.filter(mfa_individually_activated=True).values_list("pk", flat=True)),
        sorted(Authenticator.objects.values_list("pk", flat=True)),
        sorted(User.objects.values_list("pk", "session_generation")),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def signed_in_agent(client: Client, make_agent) -> Callable[[int], User]:  # noqa: ANN001
    """signed_in_agent(level): a support agent of `level`, with a factor, signed in on `client`."""

    def sign_in(level: int) -> User:
        agent = make_agent(level)
        # Agents must always use MFA: without a factor the session policy would sign them out.
        configure_totp(agent)
        sign_in_as(client, agent)
        return agent

    return sign_in


@pytest.fixture
def northwind(demo) -> Firm:  # noqa: ANN001
    """Northwind Partners: its practitioners sign in through SSO (https://idp.northwind.test)."""
    return Firm.objects.get(name="Northwind Partners")


@pytest.fixture
def demo_firm(demo) -> Firm:  # noqa: ANN001
    return Firm.objects.get(name="Demo Accounting")
