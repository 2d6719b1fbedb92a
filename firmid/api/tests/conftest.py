"""Clients of the API: support agents signed in with their second factor, as the middleware demands."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from firmid.accounts.adapter import SIGNED_IN_AT
from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.core import clock
from firmid.mfa.models import FirmMfaLevel


def signed_in(client: Client, user: User) -> Client:
    """Sign `user` in as allauth's adapter does: with the sign-in time the session policy reads."""
    client.force_login(user)
    session = client.session
    session[SIGNED_IN_AT] = clock.timestamp()
    session.save()
    return client


@pytest.fixture
def agent_client(make_agent) -> Callable[..., Client]:  # noqa: ANN001
    """agent_client(level, enforce_csrf=False): a client signed in as a support agent of `level`."""

    def make(level: int = 2, *, enforce_csrf: bool = False) -> Client:
        agent = make_agent(level)
        # Support agents always use MFA: without a factor the session policy signs them out.
        TOTP.activate(agent, generate_totp_secret())
        return signed_in(Client(enforce_csrf_checks=enforce_csrf), agent)

    return make


@pytest.fixture
def l2(agent_client) -> Client:  # noqa: ANN001
    return agent_client(2)


def db_state() -> tuple:
    """Everything a refused request must leave untouched."""
    return (
        sorted(FirmMfaLevel.objects.values_list("firm_id", "user_type", "level")),
        sorted(User.objects.values_list("pk", "mfa_individually_activated", "session_generation")),
        sorted(Authenticator.objects.values_list("pk", "user_id")),
        AuditEvent.objects.count(),
    )


@contextmanager
def state_unchanged() -> Iterator[None]:
    before = db_state()
    yield
    assert db_state() == before


@pytest.fixture
def unchanged() -> Callable[[], object]:
    """Use as `with unchanged(): ...` around a request that must change nothing."""
    return state_unchanged
