"""Passkeys in a real browser: Chromium's virtual authenticator (CDP WebAuthn domain) answers firmid's ceremonies.

The live server is http://localhost:PORT (a secure context; browsers refuse an IP address as
RP id), the RP id "localhost" (config/settings/test.py) and the only allowed origin the live
server's. Alice (Demo Accounting, practitioner, Upon request) sets a passkey up in My account,
signs in with it after her password, then with it alone where her firm allows that.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from demo_rp.server import Running
from firmid.accounts.models import User
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import UserType
from firmid.tenancy.models import Firm

from .pages import (
    ALICE,
    BOB,
    CODE,
    DEMO_FIRM,
    ENHANCE,
    ENROL,
    LOGIN,
    MY_ACCOUNT,
    click_sign_in,
    give_credentials,
    messages,
    path_is,
    save_recovery_codes,
    shown_claims,
    sign_in,
    watched,
)

pytestmark = pytest.mark.browser

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


@pytest.fixture
def passkey_site(demo_site: str, settings) -> str:
    """The live server, its origin the one a passkey's answer may come from."""
    settings.FIRMID_WEBAUTHN_RP_ID = "localhost"
    settings.FIRMID_WEBAUTHN_ORIGINS = [demo_site]
    assert demo_site.startswith("http://localhost:")
    return demo_site


@pytest.fixture
def with_authenticator(new_page: Callable[[], Page], passkey_site: str) -> Callable[[], Page]:
    """with_authenticator() → a page in a fresh browser whose platform authenticator is Chromium's virtual one."""

    def make() -> Page:
        page = new_page()
        cdp = page.context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
        page.firmid_cdp = cdp  # kept alive with the page
        return page

    return make


def add_passkey(page: Page, name: str) -> None:
    """From My account: Add a passkey or security key, named `name`."""
    page.goto(MY_ACCOUNT)
    page.get_by_role("link", name="Add a passkey or security key").click()
    expect(page.get_by_role("heading", name="Add a passkey or security key")).to_be_visible()
    page.get_by_label("Name of this key").fill(name)
    page.get_by_role("button", name="Add the key").click()
    page.wait_for_url(re.compile(r"/(my-account|accounts/2fa/recovery-codes)/"))
    if "/accounts/2fa/recovery-codes/" in page.url:  # a first factor: its recovery codes, shown once
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        page.get_by_role("link", name="I have saved them").click()
    expect(page).to_have_url(path_is(MY_ACCOUNT))
    expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(path_is(LOGIN))


def use_passkey_on_code_page(page: Page) -> None:
    expect(page).to_have_url(path_is(CODE))
    page.get_by_role("button", name="Use a passkey or security key").click()
    page.wait_for_load_state()


def allow_passwordless(allowed: bool) -> None:
    FirmMfaLevel.objects.update_or_create(
        firm=Firm.objects.get(name=DEMO_FIRM),
        user_type=UserType.PRACTITIONERS.value,
        defaults={"level": "upon_request", "passwordless_passkeys": allowed},
    )


def test_a_passkey_set_up_in_my_account_is_the_second_factor_then_signs_in_alone(with_authenticator) -> None:
    page = with_authenticator()
    violations = watched(page)
    sign_in(page, ALICE)
    expect(page).to_have_url(path_is(MY_ACCOUNT))
    add_passkey(page, "Alice's laptop")
    sign_out(page)

    sign_in(page, ALICE)
    use_passkey_on_code_page(page)
    expect(page).to_have_url(path_is(MY_ACCOUNT))
    sign_out(page)

    # No firm allows a passkey alone: the sign-in page does not offer it.
    page.goto(LOGIN)
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_have_count(0)

    allow_passwordless(True)
    page.goto(LOGIN)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(path_is(MY_ACCOUNT))
    sign_out(page)
    assert violations == []  # the ceremonies run from script files: nothing inline


def test_a_passkey_alone_is_refused_where_the_firm_does_not_allow_it(with_authenticator) -> None:
    page = with_authenticator()
    sign_in(page, ALICE)
    add_passkey(page, "Alice's laptop")
    sign_out(page)
    # Another firm allows it (the button is on everyone's sign-in page); Alice's does not.
    FirmMfaLevel.objects.update_or_create(
        firm=Firm.objects.exclude(name=DEMO_FIRM).first(),
        user_type=UserType.PRACTITIONERS.value,
        defaults={"level": "upon_request", "passwordless_passkeys": True},
    )
    page.goto(LOGIN)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(path_is(LOGIN))
    expect(messages(page)).to_contain_text(["cannot sign in with a passkey alone"])
    page.goto(MY_ACCOUNT)
    expect(page).not_to_have_url(path_is(MY_ACCOUNT))


def test_another_users_passkey_never_completes_their_sign_in(with_authenticator) -> None:
    alice = with_authenticator()
    sign_in(alice, ALICE)
    add_passkey(alice, "Alice's laptop")
    sign_out(alice)
    bob = with_authenticator()
    sign_in(bob, BOB)
    add_passkey(bob, "Bob's phone")
    sign_out(bob)

    # In Alice's browser, Bob's password; then Alice's passkey answers Bob's challenge.
    give_credentials_at_login(alice, BOB)
    expect(alice).to_have_url(path_is(CODE))
    # The page asks for Bob's keys only: ask the authenticator for any key of this site instead.
    alice.evaluate(
        """() => {
        const element = document.getElementById('passkey-options');
        const options = JSON.parse(element.textContent);
        delete options.request_options.publicKey.allowCredentials;
        element.textContent = JSON.stringify(options);
    }"""
    )
    use_passkey_on_code_page(alice)
    expect(alice).to_have_url(path_is(CODE))
    expect(alice.get_by_role("alert").first).to_be_visible()
    alice.goto(MY_ACCOUNT)
    expect(alice).not_to_have_url(path_is(MY_ACCOUNT))


def give_credentials_at_login(page: Page, email: str) -> None:
    page.goto(LOGIN)
    give_credentials(page, email)


def test_a_passkey_answer_from_another_origin_is_refused(with_authenticator, passkey_site: str, settings) -> None:
    page = with_authenticator()
    sign_in(page, ALICE)
    add_passkey(page, "Alice's laptop")
    sign_out(page)
    # A look-alike origin under the RP id: Chromium itself refuses "localhost" as its RP id.
    other = passkey_site.replace("//localhost:", "//app.localhost:")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "app.localhost"]
    page.goto(f"{other}{LOGIN}")
    give_credentials(page, ALICE)
    expect(page).to_have_url(re.compile(rf"^{re.escape(other + CODE)}"))
    page.get_by_role("button", name="Use a passkey or security key").click()
    expect(page.locator("[data-passkey-error]").first).to_contain_text("SecurityError")
    # An origin the browser accepts for the RP id, but firmid is not configured with: firmid refuses.
    settings.FIRMID_WEBAUTHN_ORIGINS = ["https://id.example.test"]
    sign_in(page, ALICE)
    use_passkey_on_code_page(page)
    expect(page).to_have_url(path_is(CODE))
    expect(page.get_by_text("did not come from this site")).to_be_visible()
    page.goto(MY_ACCOUNT)
    expect(page).not_to_have_url(path_is(MY_ACCOUNT))


def test_a_browser_refuses_the_rp_id_on_an_ip_address_origin(with_authenticator, passkey_site: str, settings) -> None:
    page = with_authenticator()
    sign_in(page, ALICE)
    add_passkey(page, "Alice's laptop")
    sign_out(page)
    other = passkey_site.replace("//localhost:", "//127.0.0.1:")
    page.goto(f"{other}{LOGIN}")
    give_credentials(page, ALICE)
    page.get_by_role("button", name="Use a passkey or security key").click()
    expect(page.locator("[data-passkey-error]").first).to_be_visible()
    expect(page).to_have_url(re.compile(rf"^{re.escape(other + CODE)}"))


def test_the_id_token_of_a_passkey_sign_in_says_hwk_user_mfa(with_authenticator, documents: Running) -> None:
    page = with_authenticator()
    sign_in(page, ALICE)
    add_passkey(page, "Alice's laptop")
    sign_out(page)
    allow_passwordless(True)
    click_sign_in(page, documents)
    page.get_by_role("button", name="Sign in with a passkey").click()
    claims = shown_claims(page, documents)
    assert claims["amr"] == ["hwk", "user", "mfa"] and claims["acr"] == "urn:firmid:acr:mfa"
    assert User.objects.get(email=ALICE).email == claims["email"]


def test_a_passkeys_only_firm_sets_a_passkey_up_during_sign_in(with_authenticator) -> None:
    FirmMfaLevel.objects.update_or_create(
        firm=Firm.objects.get(name=DEMO_FIRM),
        user_type=UserType.PRACTITIONERS.value,
        defaults={"level": "mandatory", "allowed_methods": "webauthn"},
    )
    page = with_authenticator()
    sign_in(page, ALICE)
    expect(page).to_have_url(path_is(ENROL))
    expect(page.get_by_role("heading", name=ENHANCE)).to_be_visible()
    expect(page.locator("#totp-key")).to_have_count(0)  # no authenticator app: the firm allows passkeys only
    page.get_by_label("Name of this key").fill("Alice's phone")
    page.get_by_role("button", name="Use a passkey or security key").click()
    expect(page).not_to_have_url(path_is(ENROL))  # the ceremony ran, its answer was posted
    save_recovery_codes(page)
    expect(page).to_have_url(path_is(MY_ACCOUNT))
    sign_out(page)
    sign_in(page, ALICE)
    use_passkey_on_code_page(page)
    save_recovery_codes(page)
    expect(page).to_have_url(path_is(MY_ACCOUNT))
