"""What a person does in the browser, in the words of the help-centre article.

Every helper takes a Playwright page whose context has the live server as its base URL.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import ConsoleMessage, Page, expect

from demo_rp.server import Running
from firmid.accounts.models import User
from firmid.demo.data import DEMO_PASSWORD
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm
from firmid.testing import factories
from firmid.testing.codes import code_now

LOGIN = "/accounts/login/"
ENROL = "/accounts/security/enrol/"
RECOVERY_CODES = "/accounts/security/recovery-codes/"
CODE = "/accounts/2fa/authenticate/"
MY_ACCOUNT = "/my-account/"
ADMINISTRATION = "/administration/"

ENHANCE = "Enhance your account security"
# Not the demo data's "documents-demo" (registered for http://127.0.0.1:8001): this one
# knows the test's own port.
CLIENT_ID = "documents-e2e"
CLIENT_SECRET = "documents-e2e-secret"
TIMEOUT_MS = 15_000  # actions (clicks, navigation); a sign-in hashes with Argon2id

ACR_MFA = "urn:firmid:acr:mfa"
ACR_PWD = "urn:firmid:acr:pwd"
ALICE = "alice@demo-accounting.test"
BOB = "bob@client-one.test"
CAROL = "carol@client-one.test"
DEMO_FIRM = "Demo Accounting"
AGENT_L2 = "support.l2@firmid.test"


def path_is(path: str) -> re.Pattern[str]:
    """A URL pattern for `expect(page).to_have_url`: this path, any query string."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def path_under(path: str) -> re.Pattern[str]:
    """A URL pattern for `expect(page).to_have_url`: this path or any below it."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}")


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Give email and password on the sign-in page; the page then shows whatever comes next."""
    page.goto(LOGIN)
    give_credentials(page, email, password)


def give_credentials(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """On firmid's sign-in page, however the browser got there (e.g. sent by an application).

    Identifier first: the address, Continue, then the password page (a user under the firm's
    SSO would be at their identity provider instead: see give_address).
    """
    give_address(page, email)
    page.locator('input[name="password"]').fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()


def give_address(page: Page, email: str) -> None:
    """The sign-in page's first step: the address, then Continue."""
    page.locator('input[name="login"]').fill(email)
    page.get_by_role("button", name="Continue", exact=True).click()
    page.wait_for_load_state()


def shown_key(page: Page) -> str:
    key = page.locator("#totp-key").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", key), f"not a base32 key: {key!r}"
    return key


def enrol(page: Page) -> str:
    """On Enhance your account security: type the code of the shown key, Activate; return the key."""
    expect(page.get_by_role("heading", name=ENHANCE)).to_be_visible()
    secret = shown_key(page)
    page.locator('input[name="code"]').fill(code_now(secret))
    page.get_by_role("button", name="Activate", exact=True).click()
    page.wait_for_load_state()
    save_recovery_codes(page)
    return secret


def save_recovery_codes(page: Page) -> list[str]:
    """On Your recovery codes (shown once after a first factor): note them, I have saved them; return them.

    [] when the page is not shown (the user had codes already).
    """
    if not page.url.split("?")[0].endswith(RECOVERY_CODES):
        return []
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = [text.strip() for text in page.locator("#recovery-codes li").all_inner_texts()]
    page.get_by_role("button", name="I have saved them").click()
    page.wait_for_load_state()
    return codes


def enter_code(page: Page, secret: str) -> None:
    """On the code page of an enrolled user: type the current code of `secret` and sign in."""
    expect(page).to_have_url(path_is(CODE))
    expect(page.get_by_role("heading", name="Enter your temporary code")).to_be_visible()
    page.locator('input[name="code"]').fill(code_now(secret))
    page.get_by_role("button", name="Continue", exact=True).click()
    page.wait_for_load_state()


def sign_in_agent(page: Page, email: str) -> str:
    """A support agent's first sign-in: password, then their own MFA set-up; return the key."""
    sign_in(page, email)
    expect(page).to_have_url(path_is(ENROL))
    secret = enrol(page)
    expect(page).to_have_url(path_under(ADMINISTRATION))
    expect(page.locator("nav.side")).to_be_visible()
    return secret


def expect_my_account(page: Page, status: str) -> None:
    expect(page).to_have_url(path_is(MY_ACCOUNT))
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.locator("#mfa-status")).to_have_text(status)


def expect_not_my_account(page: Page) -> None:
    expect(page.get_by_role("heading", name="My account", exact=True)).to_have_count(0)
    expect(page.locator("#mfa-status")).to_have_count(0)


def open_firm_security(page: Page, firm: str) -> None:
    """Administration: Accounting firm → search and select the firm → Authentication and security."""
    page.locator("nav.side").get_by_role("link", name="Accounting firm").click()
    page.get_by_role("searchbox", name="Search firms").fill(firm)
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("table").get_by_role("link", name=firm, exact=True).click()
    page.get_by_role("link", name="Authentication and security").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(firm)


def open_user_security(page: Page, section: str, query: str, name: str) -> None:
    """Administration: Practitioners or Client users → search and select the user → Login tab."""
    page.locator("nav.side").get_by_role("link", name=section, exact=True).click()
    page.locator('input[name="q"]').fill(query)
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("table").get_by_role("link", name=name, exact=True).click()
    page.get_by_role("link", name="Login", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def user_type_group(page: Page, legend: str):
    """The fieldset of one user type, found by its legend."""
    return page.get_by_role("group", name=legend, exact=True)


def choose_level(page: Page, legend: str, level: str) -> None:
    user_type_group(page, legend).get_by_role("radio", name=level, exact=True).check()


def messages(page: Page):
    return page.locator("ul.messages li")


def save_levels(page: Page, *, confirm: bool = True) -> None:
    """Save; if a Confirm step appears (a deactivation) and `confirm`, confirm it."""
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    confirmation = page.get_by_role("heading", name="Confirm", exact=True)
    if confirm and confirmation.count():
        page.get_by_role("button", name="Confirm", exact=True).click()
        page.wait_for_load_state()


def admin_set_level(page: Page, firm: str, type_legend: str, level_label: str) -> None:
    """The article's steps, from anywhere in the Administration application, Confirm included."""
    open_firm_security(page, firm)
    choose_level(page, type_legend, level_label)
    save_levels(page)
    expect(messages(page).filter(has_text=re.compile(r"^\s*Saved:"))).to_have_count(1)


def set_level(user_type: UserType, level: MfaLevel) -> None:
    """Set Demo Accounting's level for `user_type` through the audited service, as support agent L2."""
    factories.set_level(
        Firm.objects.get(name=DEMO_FIRM),
        user_type,
        level,
        actor=User.objects.get(email=AGENT_L2),
    )


def at(documents: Running, path: str) -> re.Pattern[str]:
    """A URL pattern: this page of Documents (any query string)."""
    return re.compile(rf"^{re.escape(documents.url + path)}(\?.*)?$")


def click_sign_in(page: Page, documents: Running) -> None:
    page.goto(f"{documents.url}/")
    expect(page).to_have_title("Documents")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(path_is(LOGIN))  # firmid's sign-in page, the application's request in `next`


def shown_claims(page: Page, documents: Running) -> dict:
    expect(page).to_have_url(at(documents, "/claims"))
    expect(page.get_by_role("heading", name="Your ID token")).to_be_visible()
    return json.loads(page.locator("pre#claims-json").inner_text())


REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI} on ${document.location.pathname}`);
});
"""
VIOLATION = re.compile(r"Content Security Policy|CSP violation", re.IGNORECASE)


def watched(page: Page) -> list[str]:
    """Every CSP violation `page` meets from now on, on any document it loads."""
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if VIOLATION.search(message.text):
            violations.append(message.text)

    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", on_console)
    return violations
