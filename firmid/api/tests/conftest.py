"""Clients of the API: support agents signed in with their second factor, as the middleware demands."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from firmid.testing.factories import give_factor
from firmid.testing.signin import sign_in_as
from firmid.testing.state import state_unchanged


@pytest.fixture
def agent_client(make_agent) -> Callable[..., Client]:
    """agent_client(level, enforce_csrf=False): a client signed in as a support agent of `level`."""

    def make(level: int = 2, *, enforce_csrf: bool = False) -> Client:
        agent = make_agent(level)
        # Support agents always use MFA: without a factor the session policy signs them out.
        give_factor(agent)
        return sign_in_as(Client(enforce_csrf_checks=enforce_csrf), agent)

    return make


@pytest.fixture
def l2(agent_client) -> Client:
    return agent_client(2)


@pytest.fixture
def unchanged() -> Callable[[], object]:
    """Use as `with unchanged(): ...` around a request that must change nothing."""
    return state_unchanged
