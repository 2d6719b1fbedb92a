"""Recovery codes in a real browser: shown once with Copy and Download, then a sign-in without the phone."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import code_now

from .pages import (
    ALICE,
    CODE,
    ENHANCE,
    ENROL,
    MY_ACCOUNT,
    RECOVERY_CODES,
    expect_my_account,
    path_is,
    set_level,
    shown_key,
    sign_in,
    watched,
)


def test_codes_shown_once_copied_downloaded_then_sign_in_without_the_phone(page: Page, frozen_clock) -> None:
    set_level(UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    violations = watched(page)
    sign_in(page, ALICE)
    expect(page).to_have_url(path_is(ENROL))
    expect(page.get_by_role("heading", name=ENHANCE)).to_be_visible()
    page.locator('input[name="code"]').fill(code_now(shown_key(page)))
    page.get_by_role("button", name="Activate", exact=True).click()

    # Your recovery codes: ten, with Copy (a script file: CSP allows no inline script) and Download.
    expect(page).to_have_url(path_is(RECOVERY_CODES))
    codes = [text.strip() for text in page.locator("#recovery-codes li").all_inner_texts()]
    assert len(codes) == 10
    page.get_by_role("button", name="Copy", exact=True).click()
    expect(page.locator("#copy-recovery-codes-done")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()").split() == codes
    with page.expect_download() as download:
        page.get_by_role("button", name="Download (firmid-recovery-codes.txt)").click()
    assert download.value.suggested_filename == "firmid-recovery-codes.txt"
    text = open(download.value.path(), encoding="utf-8").read()
    assert all(code in text for code in codes)
    page.get_by_role("button", name="I have saved them").click()
    expect_my_account(page, "Configured")
    # Back to the codes page: they are not shown again (and the sign-in is over).
    page.goto(RECOVERY_CODES)
    expect(page.locator("#recovery-codes li")).to_have_count(0)

    # The phone is lost: the code page's way out, then a recovery code.
    page.goto(MY_ACCOUNT)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, ALICE)
    expect(page).to_have_url(path_is(CODE))
    page.get_by_role("link", name="I can't use my authenticator").click()
    page.get_by_role("link", name="Use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0].lower())
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect_my_account(page, "Configured")
    assert violations == []
