"""Northwind's practitioners sign in through Northwind's own identity provider, in a real browser.

The demo data's Northwind connection points at http://127.0.0.1:8002 (make run's provider):
here each test starts the same provider (demo_idp/server.mjs, oidc-provider) on a free
loopback port, registers the live server's callback there, and re-points the connection at
it through the audited service, as a level 2 agent would.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from demo_rp.server import Running
from firmid.accounts.models import User
from firmid.demo.data import DEMO_PASSWORD
from firmid.policy import UserType
from firmid.sso.models import SsoConnection, SsoIdentity
from firmid.sso.services import ConnectionSettings, sso_connection_save
from firmid.tenancy.models import Firm
from firmid.testing.upstream import CLIENT_ID, CLIENT_SECRET, ERIN_TOTP_SECRET, UpstreamIdP, totp_now

from .pages import (
    ACR_MFA,
    ACR_PWD,
    AGENT_L2,
    click_sign_in,
    give_address,
    messages,
    open_user_security,
    shown_claims,
    sign_in_agent,
    watched,
)

ERIN = "erin@northwind.test"
IVY = "ivy@northwind.test"  # a practitioner who exists only at Northwind's provider
NORTHWIND = "Northwind Partners"
MFA_ACTIONS = ("Activate MFA for this user", "Deactivate MFA for this user", "Reset MFA")


@pytest.fixture
def northwind_idp(make_upstream_idp: Callable[..., UpstreamIdP], demo_site: str) -> UpstreamIdP:
    """Northwind's provider on a free port, and the demo's practitioners connection pointing at it."""
    idp = make_upstream_idp(redirect_uris=[f"{demo_site}/signin/sso/callback/"])
    sso_connection_save(
        firm=Firm.objects.get(name=NORTHWIND),
        user_type=UserType.PRACTITIONERS,
        values=ConnectionSettings(
            issuer=idp.issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            email_domains=["northwind.test"],
            create_users=True,
        ),
        actor=User.objects.get(email=AGENT_L2),
    )
    return idp


def sign_in_at_northwind(
    page: Page, idp: UpstreamIdP, email: str, totp_secret: str | None, violations: list[str]
) -> None:
    """On Northwind's own pages: email and password, then (if given) the code of its authenticator app."""
    try:
        expect(page).to_have_url(re.compile(rf"^{re.escape(idp.url)}/"))
    except AssertionError as error:  # a redirect to the provider refused by a page's CSP says so only there
        raise AssertionError(f"not at Northwind's provider; CSP violations: {violations}\n{error}") from None
    expect(page.get_by_role("heading", name=f"Sign in to {NORTHWIND}")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if totp_secret is not None:
        expect(page.get_by_role("heading", name=f"{NORTHWIND}: two-step verification")).to_be_visible()
        page.get_by_label("6-digit code from your authenticator app").fill(totp_now(totp_secret))
        page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_load_state()


def on_firmid(violations: list[str]) -> list[str]:
    """The violations met on firmid's pages (the console names the page's path only: not Northwind's)."""
    return [v for v in violations if not re.search(r" on /(interaction|auth)\b", v)]


def test_erin_signs_in_to_documents_through_northwinds_provider_and_arrives_federated(
    page: Page, documents: Running, northwind_idp: UpstreamIdP
) -> None:
    violations = watched(page)
    click_sign_in(page, documents)
    give_address(page, ERIN)  # no firmid password is asked: straight to Northwind's provider
    sign_in_at_northwind(page, northwind_idp, ERIN, ERIN_TOTP_SECRET, violations)

    claims = shown_claims(page, documents)
    assert "fed" in claims["amr"], claims
    # Northwind asked erin for her TOTP: its amr and acr say so, and firmid's acr is MFA.
    assert {"otp", "mfa"} <= set(claims["amr"]) and claims["acr"] == ACR_MFA, claims
    assert claims["email"] == ERIN and claims["user_type"] == "practitioners"
    assert claims["firm"]["name"] == NORTHWIND
    erin = User.objects.get(email=ERIN)
    assert claims["sub"] == str(erin.public_id)
    assert SsoIdentity.objects.filter(issuer=northwind_idp.issuer, user=erin).exists()
    assert on_firmid(violations) == []


def test_ivy_created_at_first_sign_in_steps_up_at_northwind_when_documents_asks_for_mfa(
    page: Page, documents: Running, northwind_idp: UpstreamIdP
) -> None:
    violations = watched(page)
    assert not User.objects.filter(email=IVY).exists()  # she exists only at Northwind's provider
    click_sign_in(page, documents)
    give_address(page, IVY)
    sign_in_at_northwind(page, northwind_idp, IVY, None, violations)  # Northwind asks her a code only on request
    claims = shown_claims(page, documents)
    assert claims["amr"] == ["fed", "pwd"] and claims["acr"] == ACR_PWD, claims
    ivy = User.objects.get(email=IVY)
    assert ivy.firm.name == NORTHWIND and claims["user_type"] == "practitioners" and not ivy.has_usable_password()

    # Documents' own session ends (firmid's lives on); its "Sign in with MFA required" sends
    # her, signed in at firmid without MFA, back to Northwind's provider for a second factor.
    kept = [cookie for cookie in page.context.cookies() if cookie["name"] != "documents_session"]
    page.context.clear_cookies()
    page.context.add_cookies(kept)
    page.goto(f"{documents.url}/")
    page.get_by_role("button", name="Sign in with MFA required").click()
    sign_in_at_northwind(page, northwind_idp, IVY, ERIN_TOTP_SECRET, violations)
    claims = shown_claims(page, documents)
    assert claims["sub"] == str(ivy.public_id)
    assert "fed" in claims["amr"] and "mfa" in claims["amr"] and claims["acr"] == ACR_MFA, claims
    assert on_firmid(violations) == []


def test_agent_sees_erin_managed_by_sso_and_tests_the_connection_then_a_broken_issuer(
    page: Page, northwind_idp: UpstreamIdP
) -> None:
    violations = watched(page)
    sign_in_agent(page, AGENT_L2)
    open_user_security(page, "Practitioners", "erin", "Erin Walsh")
    expect(page.locator("#mfa-status")).to_have_text("Managed by SSO")
    for action in MFA_ACTIONS:
        expect(page.get_by_role("button", name=action)).to_have_count(0)
        expect(page.get_by_role("link", name=action)).to_have_count(0)

    page.get_by_role("link", name=NORTHWIND, exact=True).click()  # the firm, under the user's name
    page.get_by_role("link", name="SSO", exact=True).click()
    practitioners = page.locator("#sso-practitioners")
    expect(practitioners).to_contain_text(northwind_idp.issuer)
    practitioners.get_by_role("button", name="Test connection").click()
    expect(messages(page).first).to_have_text("Test connection passed for Practitioners.")
    expect(messages(page).filter(has_text="failed")).to_have_count(0)

    wrong = f"{northwind_idp.issuer}/wrong"
    page.locator("#sso-practitioners").get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Issuer").fill(wrong)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(messages(page).first).to_contain_text("Saved the SSO connection of Practitioners.")
    assert SsoConnection.objects.get(firm__name=NORTHWIND, user_type="practitioners").issuer == wrong
    page.locator("#sso-practitioners").get_by_role("button", name="Test connection").click()
    failure = messages(page).filter(has_text="Test connection failed")
    expect(failure).to_have_count(1)
    expect(failure).to_contain_text(
        f"The discovery document ({wrong}/.well-known/openid-configuration) answered HTTP 404."
    )
    assert violations == []
