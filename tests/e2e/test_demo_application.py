"""The demo application "Documents" signs its users in through firmid, in a real browser.

Documents (demo_rp/) runs in a thread of this process on a free loopback port, as a real
OpenID Connect client (Authlib, PKCE S256, ID token checked against the JWKS) of the live
server, whose issuer is set to the live server's URL. The browser goes from Documents to
firmid and back as a user would; the claims are read from Documents' own claims page.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from demo_rp.server import Running
from firmid.accounts.models import User
from firmid.oidc.models import ApplicationProfile
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import code_now

from .pages import (
    ACR_MFA,
    ACR_PWD,
    ALICE,
    BOB,
    CAROL,
    CLIENT_ID,
    DEMO_FIRM,
    ENHANCE,
    ENROL,
    LOGIN,
    MY_ACCOUNT,
    at,
    click_sign_in,
    enrol,
    expect_my_account,
    give_credentials,
    path_is,
    save_recovery_codes,
    set_level,
    shown_claims,
)


def test_mandatory_practitioner_enrols_then_lands_on_the_application_with_otp(page: Page, documents: Running) -> None:
    set_level(UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    click_sign_in(page, documents)
    give_credentials(page, ALICE)
    expect(page).to_have_url(path_is(ENROL))
    expect(page.get_by_role("heading", name=ENHANCE)).to_be_visible()
    expect(page.get_by_role("button", name="Activate later")).to_have_count(0)
    enrol(page)

    claims = shown_claims(page, documents)
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims["acr"] == ACR_MFA
    assert claims["email"] == ALICE and claims["name"] == "Alice Martin"
    assert claims["firm"]["name"] == DEMO_FIRM and claims["user_type"] == "practitioners"
    alice = User.objects.get(email=ALICE)
    assert claims["sub"] == str(alice.public_id) and claims["firm"]["id"] == str(alice.firm.public_id)
    expect(page.locator("#claim-acr")).to_have_text(ACR_MFA)
    page.goto(f"{documents.url}/")
    expect(page.locator("#signed-in-as")).to_have_text("Signed in as Alice Martin — Demo Accounting")


def test_suggested_client_activates_later_and_lands_with_password_only(page: Page, documents: Running) -> None:
    set_level(UserType.CLIENTS, MfaLevel.SUGGESTED)
    click_sign_in(page, documents)
    give_credentials(page, BOB)
    expect(page).to_have_url(path_is(ENROL))
    expect(page.get_by_role("heading", name=ENHANCE)).to_be_visible()
    page.get_by_role("button", name="Activate later").click()

    claims = shown_claims(page, documents)
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == ACR_PWD
    assert claims["email"] == BOB and claims["user_type"] == "clients"


def test_signing_out_of_the_application_ends_the_firmid_session(page: Page, documents: Running, demo_site: str) -> None:
    click_sign_in(page, documents)
    give_credentials(page, CAROL)
    assert shown_claims(page, documents)["amr"] == ["pwd"]
    page.goto(f"{demo_site}{MY_ACCOUNT}")
    expect_my_account(page, "Not offered")  # signed in at firmid too

    page.goto(f"{documents.url}/")
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(at(documents, "/"))
    expect(page.get_by_role("status")).to_have_text("You are signed out of Documents and of firmid.")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()

    page.goto(f"{demo_site}{MY_ACCOUNT}")
    expect(page).to_have_url(path_is(LOGIN))
    # And the application's Sign in asks for the password again.
    click_sign_in(page, documents)


def test_application_closed_to_the_user_type_shows_firmid_refusal(page: Page, documents: Running) -> None:
    ApplicationProfile.objects.filter(application__client_id=CLIENT_ID).update(user_types=["practitioners"])
    click_sign_in(page, documents)
    give_credentials(page, BOB)
    expect(page).to_have_url(at(documents, "/callback"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in did not complete")
    expect(page.get_by_role("alert")).to_contain_text("access_denied")
    expect(page.get_by_role("alert")).to_contain_text("This application is not open to your account.")
    page.get_by_role("link", name="Back to Documents").click()
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()


def test_mfa_required_by_the_application_takes_an_upon_request_user_through_enrolment(
    page: Page,
    documents: Running,
) -> None:
    page.goto(f"{documents.url}/")
    page.get_by_role("button", name="Sign in with MFA required").click()
    give_credentials(page, CAROL)
    expect(page.get_by_text("The application you are opening requires MFA.")).to_be_visible()
    secret = page.locator("#totp-key").inner_text().strip()
    page.locator('input[name="code"]').fill(code_now(secret))
    page.get_by_role("button", name="Activate", exact=True).click()
    page.wait_for_load_state()
    save_recovery_codes(page)

    claims = shown_claims(page, documents)
    assert "otp" in claims["amr"] and claims["acr"] == ACR_MFA
