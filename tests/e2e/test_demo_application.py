"""The demo application "Documents" signs its users in through firmid, in a real browser.

Documents (demo_rp/) runs in a thread of this process on a free loopback port, as a real
OpenID Connect client (Authlib, PKCE S256, ID token checked against the JWKS) of the live
server, whose issuer is set to the live server's URL. The browser goes from Documents to
firmid and back as a user would; the claims are read from Documents' own claims page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from conftest import code_now
from demo_rp.server import Running, serve_in_thread
from firmid.accounts.models import User
from firmid.mfa.services import firm_set_mfa_levels
from firmid.oidc.models import ApplicationProfile
from firmid.oidc.services import application_register
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm

from .pages import ENHANCE, ENROL, LOGIN, MY_ACCOUNT, enrol, expect_my_account, give_credentials, path_is

# Not the demo data's "documents-demo" (registered for http://127.0.0.1:8001): this one
# knows the test's own port.
CLIENT_ID = "documents-e2e"
CLIENT_SECRET = "documents-e2e-secret"  # noqa: S105 — a test client's
ACR_MFA = "urn:firmid:acr:mfa"
ACR_PWD = "urn:firmid:acr:pwd"
ALICE = "alice@demo-accounting.test"
BOB = "bob@client-one.test"
CAROL = "carol@client-one.test"
DEMO_FIRM = "Demo Accounting"


@pytest.fixture
def documents(demo_site: str, settings) -> Iterator[Running]:  # noqa: ANN001
    """Documents, running, registered with firmid, and firmid's issuer the live server."""
    settings.FIRMID_ISSUER = demo_site
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": demo_site}
    running = serve_in_thread(issuer=demo_site, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    try:
        application_register(
            actor=None, name="Documents", home_url=f"{running.url}/",
            redirect_uris=[running.config.redirect_uri],
            post_logout_redirect_uris=[running.config.post_logout_redirect_uri],
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
        )
        yield running
    finally:
        running.stop()


def set_level(user_type: UserType, level: MfaLevel) -> None:
    firm_set_mfa_levels(
        actor=User.objects.get(email="support.l2@firmid.test"),
        firm=Firm.objects.get(name=DEMO_FIRM),
        levels={user_type: level},
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
    page: Page, documents: Running,
) -> None:
    page.goto(f"{documents.url}/")
    page.get_by_role("button", name="Sign in with MFA required").click()
    give_credentials(page, CAROL)
    expect(page.get_by_text("The application you are opening requires MFA.")).to_be_visible()
    secret = page.locator("#totp-key").inner_text().strip()
    page.locator('input[name="code"]').fill(code_now(secret))
    page.get_by_role("button", name="Activate", exact=True).click()

    claims = shown_claims(page, documents)
    assert "otp" in claims["amr"] and claims["acr"] == ACR_MFA
