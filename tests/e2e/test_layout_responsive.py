"""On a phone (390 x 844) and a tablet (768 x 1024), in English and in French.

Phone: the sign-in, set-up, code, My account and Documents pages never scroll sideways, and
the set-up page's main action (the code field and Activate; the passkey button where passkeys
are offered first) is in the first screen, not below the QR code. Tablet: the Administration application's pages never scroll sideways,
and its left bar folds behind a Menu button (aria-expanded says which), or stays listed
above the content when JavaScript is off. Every page is saved as a screenshot under
test-results/ (layout-<width>-<language>-<page>.png) for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from demo_rp.server import Running
from firmid.accounts.models import User
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm
from firmid.testing import factories
from firmid.testing.codes import code_now

from .a11y_support import (
    LOCALES,
    activate_shown_key,
    decline_trust,
    give_password,
    leave_recovery_codes,
    screenshot,
    sideways_scroll,
    type_code,
    widest_elements,
)
from .pages import (
    ADMINISTRATION,
    AGENT_L2,
    ALICE,
    CAROL,
    DEMO_FIRM,
    ENROL,
    MY_ACCOUNT,
    TIMEOUT_MS,
    path_is,
    path_under,
    set_level,
)

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def viewport_context(browser: Browser, demo_site: str) -> Iterator:
    """viewport_context(size, language, **options) → a new browser context of that size."""
    contexts: list[BrowserContext] = []

    def make(size: dict, language: str, **options) -> BrowserContext:
        context = browser.new_context(base_url=demo_site, viewport=size, locale=LOCALES[language], **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


class Fit:
    """The pages seen at one size; the sideways scrolls found, reported all at once at the end."""

    def __init__(self, width: int, language: str) -> None:
        self.width, self.language = width, language
        self.problems: list[str] = []

    def check(self, page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        screenshot(page, f"layout-{self.width}-{self.language}-{name}")
        document, viewport = sideways_scroll(page)
        if document > viewport:
            self.problems.append(
                f"{name} ({page.url}) is {document} px wide in a {viewport} px viewport; sticking out: "
                + ", ".join(widest_elements(page))
            )

    def assert_none(self) -> None:
        assert not self.problems, f"At {self.width} px [{self.language}]:\n" + "\n".join(self.problems)


def in_first_screen(page: Page, selector: str) -> tuple[bool, str]:
    """Whether `selector` is inside the first screen of the page as it opens (scrolled to the top).

    Measured from the top of the document: a field with autofocus scrolls the page down on
    load, which hides the heading and explanation instead of bringing the action up.
    """
    box = page.locator(selector).first.bounding_box()
    if box is None:
        return False, f"{selector} is not shown"
    top = box["y"] + page.evaluate("() => window.scrollY")
    height = page.viewport_size["height"]
    return top + box["height"] <= height, (
        f"{selector} spans {top:.0f}-{top + box['height']:.0f} px from the top of the page; the first screen is "
        f"{height} px"
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_phone_sign_in_set_up_code_my_account_and_documents_fit_390_px(
    viewport_context, documents: Running, frozen_clock, language: str
) -> None:
    set_level(UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    fit = Fit(PHONE["width"], language)
    page = viewport_context(PHONE, language).new_page()

    def code_of(secret: str) -> str:
        frozen_clock.advance(30)
        return code_now(secret)

    # Documents, then its Sign in: firmid's address and password steps.
    page.goto(f"{documents.url}/")
    fit.check(page, "documents-home")
    page.locator('main form[action="/login"] button[type="submit"]').first.click()
    expect(page.locator('input[name="login"]')).to_be_visible()
    fit.check(page, "sign-in-address")
    page.locator('input[name="login"]').fill(ALICE)
    page.locator('input[name="login"]').press("Enter")
    expect(page.locator('input[name="password"]')).to_be_visible()
    fit.check(page, "sign-in-password")
    page.locator('input[name="password"]').fill(factories.DEMO_PASSWORD)
    page.locator('input[name="password"]').press("Enter")

    # Enhance your account security (its first screen: test_phone_set_up_shows_its_main_action_first).
    expect(page).to_have_url(path_is(ENROL))
    fit.check(page, "set-up")
    secret = activate_shown_key(page, code_of)
    fit.check(page, "recovery-codes")
    leave_recovery_codes(page)
    decline_trust(page)
    expect(page).to_have_url(re.compile(rf"^{re.escape(documents.url)}/claims"))
    fit.check(page, "documents-claims")

    # My account, then a second sign-in: the code page.
    page.goto(MY_ACCOUNT)
    expect(page.locator("#mfa-status")).to_be_visible()
    fit.check(page, "my-account")
    page.context.clear_cookies()
    give_password(page, ALICE)
    fit.check(page, "code")
    type_code(page, code_of(secret))
    decline_trust(page)
    expect(page).to_have_url(path_is(MY_ACCOUNT))

    # A user without MFA: My account with its offers, on a phone.
    other = viewport_context(PHONE, language).new_page()
    give_password(other, CAROL)
    expect(other).to_have_url(path_is(MY_ACCOUNT))
    fit.check(other, "my-account-without-mfa")
    fit.assert_none()


# The page's first action, by the methods the firm allows: the code field and Activate where
# the authenticator app is the only one; the passkey button where passkeys come first.
MAIN_ACTION = {
    "totp": ('input[name="code"]', 'button[name="confirm"]'),
    "": ("button[data-passkey-create]",),
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("methods", ["totp", ""], ids=["app-only", "app-and-passkeys"])
def test_phone_set_up_shows_its_main_action_first(viewport_context, language: str, methods: str) -> None:
    set_level(UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    FirmMfaLevel.objects.filter(firm__name=DEMO_FIRM, user_type=UserType.PRACTITIONERS.value).update(
        allowed_methods=methods
    )
    page = viewport_context(PHONE, language).new_page()
    give_password(page, ALICE)
    expect(page).to_have_url(path_is(ENROL))
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, f"layout-{PHONE['width']}-{language}-set-up-{methods or 'all'}-first-screen", full_page=False)
    problems = []
    for selector in MAIN_ACTION[methods]:
        shown, where = in_first_screen(page, selector)
        if not shown:
            problems.append(where)
    assert not problems, f"set-up page at 390 px [{language}, methods {methods or 'all'}]: the main action is " + (
        "below the first screen: " + "; ".join(problems)
    )


def agent_signed_in(context: BrowserContext, frozen_clock) -> Page:
    page = context.new_page()
    give_password(page, AGENT_L2)
    activate_shown_key(page, lambda secret: code_now(secret))
    leave_recovery_codes(page)
    decline_trust(page)
    expect(page).to_have_url(path_under(ADMINISTRATION))
    return page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_tablet_administration_fits_768_px_and_its_left_bar_folds(
    viewport_context, browser: Browser, demo_site: str, frozen_clock, language: str
) -> None:
    factories.set_level(
        Firm.objects.get(name=DEMO_FIRM),
        UserType.PRACTITIONERS,
        MfaLevel.SUGGESTED,
        actor=User.objects.get(email=AGENT_L2),
    )
    fit = Fit(TABLET["width"], language)
    context = viewport_context(TABLET, language)
    page = agent_signed_in(context, frozen_clock)
    demo = Firm.objects.get(name=DEMO_FIRM).pk
    alice = User.objects.get(email=ALICE).public_id
    for name, path in [
        ("firm-list", "firms/"),
        ("security-tab", f"firms/{demo}/security/"),
        ("practitioners", "practitioners/"),
        ("client-users", "client-users/"),
        ("user", f"users/{alice}/security/"),
        ("audit-trail", f"firms/{demo}/audit/"),
        ("coverage", "mfa-coverage/"),
    ]:
        page.goto(f"{ADMINISTRATION}{path}")
        fit.check(page, f"administration-{name}")

    # The left bar: folded behind Menu at 768 px, unfolded by it, folded again.
    menu = page.locator("#side-nav .side-toggle")
    links = page.locator("#side-links")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_have_attribute("aria-controls", "side-links")
    expect(links).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(links).to_be_visible()
    expect(links.get_by_role("link")).to_have_count(5)
    screenshot(page, f"layout-{TABLET['width']}-{language}-administration-menu-open", full_page=False)
    assert sideways_scroll(page)[0] <= sideways_scroll(page)[1]
    links.get_by_role("link").first.click()  # a link of the bar works, and the bar folds again
    expect(page).to_have_url(path_under(f"{ADMINISTRATION}firms/"))
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    menu.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()

    # Wide (a desktop): the bar beside the content, no Menu button.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(menu).to_be_hidden()
    expect(links).to_be_visible()

    # Without JavaScript: no Menu button, the links listed above the content.
    no_script = browser.new_context(
        base_url=demo_site,
        viewport=TABLET,
        locale=LOCALES[language],
        java_script_enabled=False,
        storage_state=context.storage_state(),
    )
    try:
        bare = no_script.new_page()
        bare.goto(f"{ADMINISTRATION}firms/")
        expect(bare.locator("#side-nav .side-toggle")).to_be_hidden()
        expect(bare.locator("#side-links").get_by_role("link")).to_have_count(5)
        for link in bare.locator("#side-links").get_by_role("link").all():
            expect(link).to_be_visible()
        fit.check(bare, "administration-firm-list-without-javascript")
    finally:
        no_script.close()
    fit.assert_none()
