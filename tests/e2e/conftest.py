"""Browser fixtures: one chromium for the browser tests, fresh contexts, a live firmid with demo data.

Every browser test runs against pytest-django's live server (a thread of this process) on a
flushed database loaded with the demo data, under a frozen clock (the root conftest's
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

from firmid.demo.data import load_demo

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
TIMEOUT_MS = 15_000  # actions (clicks, navigation); a sign-in hashes with Argon2id
EXPECT_TIMEOUT_MS = 10_000  # assertions, which Playwright retries until then

_REPORTS = pytest.StashKey[dict]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # noqa: ANN201
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


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
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


@pytest.fixture
def demo_site(live_server, transactional_db, browser: Browser, frozen_clock) -> str:  # noqa: ANN001
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
    call = request.node.stash.get(_REPORTS, {}).get("call")
    if call is not None and call.failed:
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
