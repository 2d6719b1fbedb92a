"""Fixtures shared by every test: demo data, users of each kind, a movable clock, TOTP codes."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connections

from firmid.accounts.models import Role, User
from firmid.core import clock
from firmid.mfa import totp
from firmid.demo.data import DEMO_PASSWORD, load_demo
from firmid.tenancy.services import client_company_create, firm_create
from firmid.accounts.services import user_create

# failing_audit: a real failing trigger on the audit table (firmid/audit/testing.py).
pytest_plugins = ["firmid.audit.testing"]


class MovableClock:
    """Replaces firmid's clock seam: tests move time instead of sleeping."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _fresh_shared_cache(settings) -> None:  # noqa: ANN001
    """Start every test with an empty Redis cache, as the database cache is rolled back.

    The rate limits live in the cache: left over from earlier tests, they would refuse
    sign-ins (429) that the test under way never made.
    """
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        from django.core.cache import cache

        cache.clear()


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> MovableClock:
    moving = MovableClock(clock.timestamp())
    monkeypatch.setattr(clock, "timestamp", moving)
    return moving


@pytest.fixture
def demo(db) -> None:  # noqa: ANN001
    load_demo()


@pytest.fixture
def password() -> str:
    return DEMO_PASSWORD


@pytest.fixture
def make_user(db):  # noqa: ANN001, ANN201
    """Create a firm user: make_user(role=Role.PRACTITIONER, firm=None, email=None)."""
    counter = {"n": 0}

    def make(role: str = Role.PRACTITIONER, firm=None, email: str | None = None, **extra) -> User:  # noqa: ANN001, ANN003
        counter["n"] += 1
        firm = firm or firm_create(name="Test Firm")
        company = None
        if role in (Role.CLIENT_ADMINISTRATOR, Role.STANDARD_CLIENT, Role.CLIENT_EMPLOYEE):
            company = client_company_create(firm=firm, name="Test Client")
        return user_create(
            email=email or f"user{counter['n']}@{firm.name.lower().replace(' ', '-')}.test",
            full_name=f"User {counter['n']}",
            role=role,
            password=DEMO_PASSWORD,
            firm=firm,
            client_company=company,
            **extra,
        )

    return make


@pytest.fixture
def make_agent(db):  # noqa: ANN001, ANN201
    def make(level: int, email: str | None = None) -> User:
        return user_create(
            email=email or f"agent.l{level}@firmid.test", full_name=f"Agent {level}",
            role=Role.SUPPORT_AGENT, password=DEMO_PASSWORD, support_level=level,
        )

    return make


def code_now(secret: str, offset_steps: int = 0) -> str:
    """The code an authenticator app shows now (or `offset_steps` away)."""
    return totp.code_at_step(secret, totp.current_step() + offset_steps)


def tampered(value: str) -> str:
    """`value` with its last character changed: always a different string, never by luck the same."""
    return value[:-1] + ("y" if value.endswith("x") else "x")


def race(times: int, work) -> list:  # noqa: ANN001
    """Run `work` on `times` threads at once, each on its own database connection."""
    barrier = threading.Barrier(times)
    results: list = []

    def run() -> None:
        close_old_connections()
        try:
            barrier.wait()
            results.append(work())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
