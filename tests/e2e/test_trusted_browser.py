"""Trust this browser in a real browser: honoured, then revoked in My account, then cleared by a reset."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from firmid.accounts.models import User
from firmid.mfa.models import FirmMfaLevel, TrustedBrowser
from firmid.mfa.services import user_reset_mfa
from firmid.policy import MfaLevel, UserType

from .pages import AGENT_L2, ALICE, CODE, DEMO_FIRM, ENROL, enrol, enter_code, expect_my_account, path_is, set_level
from .pages import sign_in as give_password

TRUST = "/accounts/security/trust-browser/"
OFFER = "Don't ask again on this browser for 30 days"


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_trusted_browser_honoured_then_revoked_then_cleared_by_a_reset(page: Page, frozen_clock) -> None:
    set_level(UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    FirmMfaLevel.objects.filter(firm__name=DEMO_FIRM, user_type="practitioners").update(trust_browser_days=30)
    give_password(page, ALICE)
    secret = enrol(page)
    # After the set-up (its second factor): the offer, on a page of its own.
    expect(page).to_have_url(path_is(TRUST))
    page.get_by_role("button", name=OFFER).click()
    expect_my_account(page, "Configured")
    cookie = next(c for c in page.context.cookies() if c["name"] == "firmid_trusted_browser")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"

    # Honoured: the password only, no code.
    sign_out(page)
    give_password(page, ALICE)
    expect_my_account(page, "Configured")

    # Revoked in My account: the next sign-in asks for the code again.
    trusted = page.locator('table[aria-labelledby="trusted-browsers"] tbody tr')
    expect(trusted).to_have_count(1)
    expect(trusted).to_contain_text("Chrome on Linux")
    trusted.get_by_role("button", name="Revoke").click()
    expect(page.locator("#trusted-browsers")).to_have_count(0)
    sign_out(page)
    frozen_clock.advance(30)
    give_password(page, ALICE)
    enter_code(page, secret)
    expect(page).to_have_url(path_is(TRUST))
    page.get_by_role("button", name=OFFER).click()
    expect_my_account(page, "Configured")
    assert TrustedBrowser.objects.filter(user__email=ALICE).count() == 1

    # Support resets Alice's MFA: the trust goes with it, and the set-up is asked again.
    user_reset_mfa(actor=User.objects.get(email=AGENT_L2), user=User.objects.get(email=ALICE), reason="Lost phone")
    assert not TrustedBrowser.objects.filter(user__email=ALICE).exists()
    give_password(page, ALICE)
    expect(page).to_have_url(path_is(ENROL))
    expect(page).not_to_have_url(path_is(CODE))
