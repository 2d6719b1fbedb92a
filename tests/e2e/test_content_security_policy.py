"""The Content-Security-Policy in Chromium: firmid's pages obey it, and an injected script does not run.

Chromium reports every violation on the console ("Refused to …") and as a
`securitypolicyviolation` event; an init script (run by the browser's debugging protocol, so
outside the policy) turns the events into console errors too. A walk through the main pages
collects both and fails on any.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Error, Page, expect

from demo_rp.server import Running
from firmid.policy import MfaLevel, UserType

from .pages import (
    ALICE,
    CAROL,
    ENROL,
    LOGIN,
    MY_ACCOUNT,
    click_sign_in,
    enrol,
    enter_code,
    expect_my_account,
    give_address,
    give_credentials,
    path_is,
    set_level,
    shown_claims,
    sign_in_agent,
    watched,
)

STOCK_PAGES = [
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/accounts/password/change/",
    "/accounts/email/",
    "/accounts/logout/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/1-bad-key/",
    "/oauth/authorize/?client_id=unknown",
    "/no-such-page/",
]


def test_main_pages_break_no_rule_of_the_content_security_policy(
    new_page: Callable[[], Page],
    documents: Running,
    frozen_clock,
) -> None:
    # A support agent: sign-in, their own set-up (QR code), the Administration pages.
    agent = new_page()
    agent_violations = watched(agent)
    sign_in_agent(agent, "support.l2@firmid.test")
    for link in ("Accounting firm", "Practitioners", "Client users", "Applications"):
        agent.locator("nav.side").get_by_role("link", name=link, exact=True).first.click()
        agent.wait_for_load_state()
    agent.goto("/administration/mfa-coverage/")
    agent.goto("/administration/applications/new/")
    agent.goto("/accounts/password/change/")

    # Documents: sign-in with the set-up during sign-in (QR code), back to Documents.
    set_level(UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    alice = new_page()
    alice_violations = watched(alice)
    click_sign_in(alice, documents)
    give_credentials(alice, ALICE)
    expect(alice).to_have_url(path_is(ENROL))
    expect(alice.locator(".qr svg, img.qr, svg")).not_to_have_count(0)
    secret = enrol(alice)
    assert shown_claims(alice, documents)["amr"] == ["pwd", "otp", "mfa"]
    # Signed out of Documents and firmid (a form POST redirected to firmid, then back).
    alice.goto(f"{documents.url}/")
    alice.get_by_role("button", name="Sign out", exact=True).click()
    expect(alice.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    # Again: the password, then the code page, then Documents.
    click_sign_in(alice, documents)
    give_credentials(alice, ALICE)
    frozen_clock.advance(30)  # the set-up's code is spent
    enter_code(alice, secret)
    assert "otp" in shown_claims(alice, documents)["amr"]

    # A user without a factor: the password POST lands straight on Documents; then My
    # account and its set-up page (firmid's, with the QR code as inline SVG).
    carol = new_page()
    carol_violations = watched(carol)
    click_sign_in(carol, documents)
    give_credentials(carol, CAROL)
    assert shown_claims(carol, documents)["amr"] == ["pwd"]
    carol.goto(MY_ACCOUNT)
    expect_my_account(carol, "Not offered")
    carol.get_by_role("link", name="Add an authenticator app").click()
    carol.wait_for_load_state()
    if carol.locator('input[name="password"]').count():  # re-authentication first
        carol.locator('input[name="password"]').fill("demo-password")
        carol.get_by_role("button", name=re.compile("Confirm|Continue|Sign in")).first.click()
        carol.wait_for_load_state()
    qr = carol.locator(".qr svg")
    expect(qr).to_have_count(1)
    assert qr.evaluate("svg => svg.getBoundingClientRect().width > 100"), "the QR code did not render"
    for path in STOCK_PAGES:  # allauth's and Django's own pages, as firmid serves them
        carol.goto(path)

    assert agent_violations == []
    assert alice_violations == []
    assert carol_violations == []


def test_injected_inline_script_is_blocked_by_csp(page: Page) -> None:
    violations = watched(page)
    page.goto(LOGIN)
    # An inline <script>, as a stored or reflected injection would add it.
    with pytest.raises(Error):
        page.add_script_tag(content="window.__injected = 'script';")
    # An event handler attribute, and a javascript: URL.
    page.evaluate(
        """() => {
          const img = document.createElement("div");
          img.innerHTML = '<img src="data:," onload="window.__injected = \\'handler\\'">'
            + '<a id="js" href="javascript:window.__injected = \\'url\\'">x</a>';
          document.body.append(img);
        }"""
    )
    page.locator("#js").click()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__injected") is None
    assert any("script-src" in violation for violation in violations), violations


def test_injected_inline_style_is_blocked_by_csp(page: Page) -> None:
    violations = watched(page)
    page.goto(LOGIN)
    with pytest.raises(Error):
        page.add_style_tag(content="body { display: none }")
    expect(page.get_by_role("button", name="Continue", exact=True)).to_be_visible()
    assert any("style-src" in violation for violation in violations), violations


def test_refused_form_page_breaks_no_rule_of_the_content_security_policy(page: Page) -> None:
    violations = watched(page)
    page.goto(LOGIN)
    page.context.clear_cookies()  # the CSRF cookie is gone: Django refuses the form
    give_address(page, CAROL)
    expect(page.get_by_role("heading", name="This form has expired")).to_be_visible()
    assert violations == []


def test_firmid_sign_in_page_cannot_be_framed_by_another_site(page: Page, demo_site: str) -> None:
    page.set_content(f'<iframe id="f" src="{demo_site}{LOGIN}"></iframe>')
    page.wait_for_timeout(1000)
    expect(page.frame_locator("#f").locator('input[name="login"]')).to_have_count(0)
