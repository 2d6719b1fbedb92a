"""Browser fixtures: one chromium for the browser tests, fresh contexts, a live firmid with demo data.

Every browser test runs against pytest-django's live server (a thread of this process) on a
flushed database loaded with the demo data, under a frozen clock (firmid.testing.pytest_plugin's
`frozen_clock`): the server and the test compute TOTP codes from the same time, and a test
that needs a second code for the same user moves the clock to the next step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from demo_rp.server import Running, serve_in_thread
from firmid.demo.data import load_demo
from firmid.oidc.services import application_register
from firmid.testing.pytest_plugin import call_failed

from .pages import CLIENT_ID, CLIENT_SECRET, TIMEOUT_MS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
EXPECT_TIMEOUT_MS = 10_000  # assertions, which Playwright retries until then


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One chromium for all the browser tests.

    Playwright's sync API keeps an asyncio loop running in the main thread while it is
    open: the ORM (fixtures, assertions) must be told that this is deliberate, and the
    rest of the suite must not meet that loop (asyncio.run and async_to_sync refuse to run
    inside one). pytest-django moves these transactional tests ahead of the suite's
    database-free tests, so the browser is scoped to this package, not to the session:
    it is closed, and the environment restored, as soon as the last browser test ends.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        expect.set_options(timeout=EXPECT_TIMEOUT_MS)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def demo_site(live_server, transactional_db, browser: Browser, frozen_clock) -> str:
    """The live server's URL, with the demo data loaded and no rate-limit state left over."""
    # The cache table is not flushed between tests; allauth keeps its rate limits there.
    cache.clear()
    load_demo()
    return live_server.url


@pytest.fixture
def new_page(request: pytest.FixtureRequest, browser: Browser, demo_site: str) -> Iterator[Callable[[], Page]]:
    """new_page() → a page in a fresh browser context (a new, cookie-less browser)."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context(base_url=demo_site)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    if call_failed(request):
        _screenshot(request.node.nodeid, contexts)
    for context in contexts:
        context.close()


def _screenshot(nodeid: str, contexts: list[BrowserContext]) -> None:
    RESULTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])
    for c, context in enumerate(contexts):
        for p, page in enumerate(context.pages):
            try:
                page.screenshot(path=RESULTS / f"{stem}-context{c}-page{p}.png", full_page=True)
            except Exception:  # noqa: BLE001 — a failed screenshot must not hide the failure
                pass


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


@pytest.fixture
def documents(demo_site: str, settings) -> Iterator[Running]:
    """Documents, running, registered with firmid, and firmid's issuer the live server."""
    settings.FIRMID_ISSUER = demo_site
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": demo_site}
    running = serve_in_thread(issuer=demo_site, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    try:
        application_register(
            actor=None,
            name="Documents",
            home_url=f"{running.url}/",
            redirect_uris=[running.config.redirect_uri],
            post_logout_redirect_uris=[running.config.post_logout_redirect_uri],
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        )
        yield running
    finally:
        running.stop()
