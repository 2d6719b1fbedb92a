"""The fixtures and hooks every test may use (the root conftest.py registers this plugin).

Fixtures: demo data, users of each kind, a movable clock, a registered application and a
PKCE pair, the coverage firms. Hooks: the out-of-process suites (tests/e2e,
tests/multiprocess, tests/faults) are marked by their folder, and every test's reports are
kept on its item, so that a fixture can tell whether the test failed (`call_failed`).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from firmid.accounts.models import Role, User
from firmid.core import clock
from firmid.demo.data import DEMO_PASSWORD, load_demo
from firmid.oidc.services import application_register
from firmid.tenancy.models import Firm
from firmid.testing.coverage import build_acme, build_beta
from firmid.testing.factories import agent_make, user_make
from firmid.testing.oidc import REDIRECT
from firmid.testing.upstream import UpstreamIdP, start_upstream
from firmid.testing.upstream_facade import TamperingIssuer

# Each suite that drives firmid from outside gets the marker named after it, by its folder.
MARKED_FOLDERS = {
    "tests/e2e": "browser",
    "tests/multiprocess": "multiprocess",
    "tests/faults": "faults",
}

_REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    folders = {config.rootpath / folder: marker for folder, marker in MARKED_FOLDERS.items()}
    for item in items:
        parents = Path(item.path).parents
        for folder, marker in folders.items():
            if folder in parents:
                item.add_marker(getattr(pytest.mark, marker))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def call_failed(request: pytest.FixtureRequest) -> bool:
    """Whether the test itself (not its setup) failed: read by a fixture after its `yield`."""
    report = request.node.stash.get(_REPORTS, {}).get("call")
    return report is not None and report.failed


class MovableClock:
    """Replaces firmid's clock seam: tests move time instead of sleeping."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _fresh_shared_cache(settings) -> None:
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
def smtp(settings):
    """Send this test's e-mails through a real SMTP server on loopback; yield its mailbox."""
    from firmid.testing.smtp import smtp_server

    with smtp_server() as (mailbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        yield mailbox


@pytest.fixture
def demo(db) -> None:
    load_demo()


@pytest.fixture
def password() -> str:
    return DEMO_PASSWORD


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    """Create a firm user: make_user(role=Role.PRACTITIONER, firm=None, email=None, **extra)."""
    counter = {"n": 0}

    def make(role: str = Role.PRACTITIONER, firm: Firm | None = None, email: str | None = None, **extra) -> User:
        counter["n"] += 1
        return user_make(number=counter["n"], role=role, firm=firm, email=email, **extra)

    return make


@pytest.fixture
def make_agent(db) -> Callable[..., User]:
    """Create a support agent: make_agent(level, email=None)."""

    def make(level: int, email: str | None = None) -> User:
        return agent_make(level=level, email=email)

    return make


@pytest.fixture
def alice(make_user) -> User:
    """A practitioner of a firm at Upon request: no second factor, signs in with a password."""
    return make_user(role=Role.PRACTITIONER, email="alice@example.test")


@pytest.fixture
def registration(db):
    """An application registered for REDIRECT (firmid.testing.oidc's relying party)."""
    return application_register(
        actor=None,
        name="Documents",
        home_url="http://127.0.0.1:9999/",
        redirect_uris=[REDIRECT],
    )


@pytest.fixture
def pkce() -> tuple[str, str]:
    """A PKCE pair: (verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@pytest.fixture
def acme(make_user) -> Firm:
    """Acme Partners, with users in every MFA state (firmid.testing.coverage)."""
    return build_acme(make_user)


@pytest.fixture
def beta(make_user) -> Firm:
    """Beta Audit, practitioners Mandatory (firmid.testing.coverage)."""
    return build_beta(make_user)


@pytest.fixture(scope="session")
def upstream_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpstreamIdP]:
    """Northwind's own OpenID Connect provider (demo_idp) on loopback: firmid.testing.upstream's users."""
    idp = start_upstream(tmp_path_factory.mktemp("upstream-idp"))
    yield idp
    idp.destroy()


@pytest.fixture
def make_upstream_idp(tmp_path: Path) -> Iterator[Callable[..., UpstreamIdP]]:
    """Start another Northwind provider: make_upstream_idp(redirect_uris=(), users=..., keys=None)."""
    started: list[UpstreamIdP] = []

    def make(**options) -> UpstreamIdP:
        started.append(start_upstream(tmp_path / f"upstream-idp-{len(started)}", **options))
        return started[-1]

    yield make
    for idp in started:
        idp.destroy()


@pytest.fixture
def tampering_issuer(upstream_idp: UpstreamIdP) -> Iterator[TamperingIssuer]:
    """A misbehaving issuer in front of upstream_idp: set `.fault` (firmid.testing.upstream_facade)."""
    facade = TamperingIssuer(upstream_idp)
    yield facade
    facade.stop()
