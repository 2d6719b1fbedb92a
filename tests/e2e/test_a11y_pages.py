"""axe-core on every page of firmid and of Documents, in English and in French.

Each test opens one page as a person gets there (the sign-in's steps by signing in, the
Administration application as a level 2 support agent, Documents through its Sign in), in a
browser whose language is English (en-US) or French (fr-FR), checks `<html lang>`, then runs
axe-core (tests/a11y, from npm) and fails on any serious or critical violation, naming the
rule, the elements and the page.

To stay fast, the module runs one firmid (its own live server on the test database, loaded
once with the demo data, emptied at the end) and keeps one signed-in browser per role and
language; a page reached only during a sign-in (set-up, recovery codes, trust, code, lost
device) gets a fresh user and browser of its own. The contexts bypass the
Content-Security-Policy, which would refuse axe-core's script: the policy itself is tested
in test_content_security_policy.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from oauth2_provider.models import get_application_model
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from demo_rp.server import Running, serve_in_thread
from firmid.accounts.models import Role, User
from firmid.core import clock
from firmid.demo.data import load_demo
from firmid.mfa.models import FirmMfaLevel
from firmid.oidc.services import application_register
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm
from firmid.testing import factories
from firmid.testing.codes import code_now
from firmid.testing.pytest_plugin import MovableClock

from .a11y_support import (
    LOCALES,
    TRUST,
    activate_shown_key,
    axe_report,
    axe_violations,
    decline_trust,
    give_password,
    leave_recovery_codes,
    screenshot,
    type_code,
)
from .pages import (
    ADMINISTRATION,
    AGENT_L2,
    ALICE,
    CLIENT_ID,
    CLIENT_SECRET,
    CODE,
    DEMO_FIRM,
    ENROL,
    LOGIN,
    MY_ACCOUNT,
    TIMEOUT_MS,
    path_is,
    path_under,
)

LOST_DEVICE = "/accounts/2fa/lost-device/"
NORTHWIND = "Northwind Partners"
NOBODY = "00000000-0000-0000-0000-000000000000"


@dataclass
class Site:
    """One firmid and one Documents for the whole module, and the browsers signed in to them."""

    browser: Browser
    url: str
    documents: Running
    clock: MovableClock
    contexts: list[BrowserContext] = field(default_factory=list)
    signed_in: dict[tuple[str, str], BrowserContext] = field(default_factory=dict)
    numbers: Iterator[int] = field(default_factory=lambda: count(1))

    def context(self, language: str) -> BrowserContext:
        context = self.browser.new_context(base_url=self.url, locale=LOCALES[language], bypass_csp=True)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        return context

    def page(self, language: str) -> Page:
        """A page in a new, cookie-less browser."""
        return self.context(language).new_page()

    def page_as(self, role: str, language: str) -> Page:
        """A new tab of the browser signed in as `role` ("agent" or "practitioner") in `language`."""
        if (role, language) not in self.signed_in:
            page = self.page(language)
            if role == "agent":
                sign_in_agent(self, page, factories.agent_make(level=2, email=f"agent.{language}@firmid.test"))
            else:
                user = self.practitioner(language)
                secret = factories.give_factor(user)
                sign_in_with_code(self, page, user, secret)
            self.signed_in[(role, language)] = page.context
            page.close()
        return self.signed_in[(role, language)].new_page()

    def practitioner(self, language: str, *, mandatory: bool = True) -> User:
        """A new practitioner of Demo Accounting (Mandatory there) or of a firm at Upon request."""
        number = next(self.numbers)
        firm = Firm.objects.get(name=DEMO_FIRM) if mandatory else None
        return factories.user_make(
            number=number, role=Role.PRACTITIONER, firm=firm, email=f"user{number}.{language}@demo-accounting.test"
        )

    def code(self, secret: str) -> str:
        self.clock.advance(30)  # a step of its own: never a code the server saw already
        return code_now(secret)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def set_up_code(site: Site, page: Page) -> None:
    activate_shown_key(page, site.code)


def sign_in_agent(site: Site, page: Page, agent: User) -> None:
    give_password(page, agent.email)
    activate_shown_key(page, site.code)
    leave_recovery_codes(page)
    decline_trust(page)
    expect(page).to_have_url(path_under(ADMINISTRATION))


def sign_in_with_code(site: Site, page: Page, user: User, secret: str) -> None:
    give_password(page, user.email)
    type_code(page, site.code(secret))
    decline_trust(page)
    expect(page).to_have_url(path_is(MY_ACCOUNT))


# --- The pages: each function leaves `page` showing the page to check. ---


def signin_address(site: Site, language: str) -> Page:
    page = site.page(language)
    page.goto(LOGIN)
    expect(page.locator('input[name="login"]')).to_be_visible()
    return page


def signin_password(site: Site, language: str) -> Page:
    page = signin_address(site, language)
    page.locator('input[name="login"]').fill(ALICE)
    page.locator('input[name="login"]').press("Enter")
    expect(page.locator('input[name="password"]')).to_be_visible()
    return page


def signin_address_error(site: Site, language: str) -> Page:
    """The address step refusing what was typed: the error tied to its field."""
    page = signin_address(site, language)
    page.locator("form").filter(has=page.locator('input[name="login"]')).evaluate("form => form.noValidate = true")
    page.locator('input[name="login"]').fill("not an address")
    page.locator('input[name="login"]').press("Enter")
    page.wait_for_load_state()
    return page


def signin_password_error(site: Site, language: str) -> Page:
    """The password step refusing a wrong password: the error tied to its field."""
    page = signin_password(site, language)
    page.locator('input[name="password"]').fill("not-the-password")
    page.locator('input[name="password"]').press("Enter")
    page.wait_for_load_state()
    expect(page.locator('input[name="password"]')).to_be_visible()
    return page


def setup(site: Site, language: str) -> Page:
    page = site.page(language)
    give_password(page, site.practitioner(language).email)
    expect(page).to_have_url(path_is(ENROL))
    expect(page.locator("#totp-key")).to_be_visible()
    return page


def setup_wrong_code(site: Site, language: str) -> Page:
    """The set-up page refusing a wrong code: the error tied to the code field."""
    page = setup(site, language)
    page.locator('input[name="code"]').fill("000000")
    page.locator('button[name="confirm"]').click()
    page.wait_for_load_state()
    expect(page).to_have_url(path_is(ENROL))
    return page


def recovery_codes(site: Site, language: str) -> Page:
    page = setup(site, language)
    set_up_code(site, page)
    return page


def trust(site: Site, language: str) -> Page:
    page = recovery_codes(site, language)
    leave_recovery_codes(page)
    expect(page).to_have_url(path_is(TRUST))
    return page


def code(site: Site, language: str) -> Page:
    page = site.page(language)
    user = site.practitioner(language)
    factories.give_factor(user)
    give_password(page, user.email)
    expect(page).to_have_url(path_is(CODE))
    return page


def code_wrong(site: Site, language: str) -> Page:
    page = code(site, language)
    page.locator('input[name="code"]').fill("000000")
    page.locator('input[name="code"]').press("Enter")
    page.wait_for_load_state()
    expect(page).to_have_url(path_is(CODE))
    return page


def lost_device(site: Site, language: str) -> Page:
    page = code(site, language)
    page.locator("#cant-use-authenticator").click()
    expect(page).to_have_url(path_is(LOST_DEVICE))
    return page


def my_account(site: Site, language: str) -> Page:
    page = site.page_as("practitioner", language)
    page.goto(MY_ACCOUNT)
    expect(page.locator("#mfa-status")).to_be_visible()
    return page


def not_found(site: Site, language: str) -> Page:
    page = site.page(language)
    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    return page


def authorization_error(site: Site, language: str) -> Page:
    """An application's sign-in link firmid cannot accept (an unknown application)."""
    page = site.page(language)
    response = page.goto("/oauth/authorize/?client_id=no-such-application&response_type=code&scope=openid")
    assert response is not None and response.status >= 400
    return page


def page_gone(site: Site, language: str) -> Page:
    """One of allauth's pages firmid does not offer (self-service sign-up)."""
    page = site.page(language)
    page.goto("/accounts/signup/")
    return page


def administration_refused(site: Site, language: str) -> Page:
    """A practitioner opening the Administration application: refused, with a way back."""
    page = site.page_as("practitioner", language)
    response = page.goto(ADMINISTRATION)
    assert response is not None and response.status == 403
    return page


def _firm_pk(name: str) -> int:
    return Firm.objects.get(name=name).pk


def _alice() -> str:
    return str(User.objects.get(email=ALICE).public_id)


def _documents_pk() -> int:
    return get_application_model().objects.get(client_id=CLIENT_ID).pk


def administration(path: Callable[[], str]) -> Callable[[Site, str], Page]:
    """A page of the Administration application, opened by its address as a level 2 agent."""

    def open_page(site: Site, language: str) -> Page:
        page = site.page_as("agent", language)
        page.goto(f"{ADMINISTRATION}{path()}")
        expect(page.locator("nav.side")).to_have_count(1)
        return page

    return open_page


def firm_confirm(site: Site, language: str) -> Page:
    """Authentication and security: Practitioners from Mandatory to Upon request, Save → Confirm."""
    page = administration(lambda: f"firms/{_firm_pk(DEMO_FIRM)}/security/")(site, language)
    page.locator('input[name="level_practitioners"][value="upon_request"]').check()
    page.locator('form.mfa-settings button[type="submit"]:not([name="preview"])').last.click()
    page.wait_for_load_state()
    expect(page.locator("form.mfa-settings")).to_have_count(0)  # the Confirm step, not the tab again
    return page


def firm_preview(site: Site, language: str) -> Page:
    page = administration(lambda: f"firms/{_firm_pk(DEMO_FIRM)}/security/")(site, language)
    page.locator('input[name="level_clients"][value="suggested"]').check()
    page.locator('form.mfa-settings button[name="preview"]').click()
    page.wait_for_load_state()
    return page


def documents_home(site: Site, language: str) -> Page:
    page = site.page(language)
    page.goto(f"{site.documents.url}/")
    return page


def documents_claims(site: Site, language: str) -> Page:
    page = site.page_as("practitioner", language)
    page.goto(f"{site.documents.url}/")
    page.locator('main form[action="/login"] button[type="submit"]').first.click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(site.documents.url)}/claims"))
    expect(page.locator("pre#claims-json")).to_be_visible()
    return page


PAGES: dict[str, Callable[[Site, str], Page]] = {
    # Sign-in (firmid)
    "sign-in: address": signin_address,
    "sign-in: address refused": signin_address_error,
    "sign-in: password": signin_password,
    "sign-in: password refused": signin_password_error,
    "sign-in: set-up (Enhance your account security)": setup,
    "sign-in: set-up, wrong code": setup_wrong_code,
    "sign-in: recovery codes": recovery_codes,
    "sign-in: trust this browser": trust,
    "sign-in: code": code,
    "sign-in: code, wrong code": code_wrong,
    "sign-in: lost device": lost_device,
    "My account": my_account,
    # Refusals and errors
    "error: page not found (404)": not_found,
    "error: authorization error": authorization_error,
    "error: page gone (sign-up)": page_gone,
    "error: Administration refused to a practitioner": administration_refused,
    # Administration (level 2 support agent)
    "Administration: firm list": administration(lambda: "firms/"),
    "Administration: firm list, searched": administration(lambda: "firms/?q=Demo"),
    "Administration: Authentication and security": administration(lambda: f"firms/{_firm_pk(DEMO_FIRM)}/security/"),
    "Administration: Authentication and security, preview": firm_preview,
    "Administration: Authentication and security, confirm": firm_confirm,
    "Administration: SSO tab": administration(lambda: f"firms/{_firm_pk(NORTHWIND)}/sso/"),
    "Administration: SSO settings": administration(lambda: f"firms/{_firm_pk(NORTHWIND)}/sso/practitioners/edit/"),
    "Administration: not covered": administration(lambda: f"firms/{_firm_pk(DEMO_FIRM)}/not-covered/"),
    "Administration: firm's MFA coverage": administration(lambda: f"firms/{_firm_pk(DEMO_FIRM)}/mfa-coverage/"),
    "Administration: MFA coverage": administration(lambda: "mfa-coverage/"),
    "Administration: audit trail": administration(lambda: f"firms/{_firm_pk(DEMO_FIRM)}/audit/"),
    "Administration: practitioners": administration(lambda: "practitioners/"),
    "Administration: client users": administration(lambda: "client-users/"),
    "Administration: a user's page": administration(lambda: f"users/{_alice()}/security/"),
    "Administration: a user's history": administration(lambda: f"users/{_alice()}/history/"),
    "Administration: audit trail, filter refused": administration(
        lambda: f"firms/{_firm_pk(DEMO_FIRM)}/audit/?person=Level&from=not-a-date"
    ),
    "Administration: reset MFA, confirm": administration(lambda: f"users/{_alice()}/reset-mfa/"),
    "Administration: disable, confirm": administration(lambda: f"users/{_alice()}/disable/"),
    "Administration: change of address": administration(lambda: f"users/{_alice()}/email/"),
    "Administration: applications": administration(lambda: "applications/"),
    "Administration: an application": administration(lambda: f"applications/{_documents_pk()}/"),
    "Administration: new application": administration(lambda: "applications/new/"),
    "Administration: not found": administration(lambda: f"users/{NOBODY}/security/"),
    # Documents, the demo application
    "Documents: home": documents_home,
    "Documents: claims (signed in)": documents_claims,
}


# The marker makes pytest-django set the test database up (and run these tests with the other
# live-server tests); the fixture below, in place of pytest-django's per-test transaction or
# flush, keeps the module's data from one test to the next: `site` empties the database once,
# at the end.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def _django_db_helper() -> None:
    """No per-test database handling here: the module's `site` fixture owns the database."""


@pytest.fixture(scope="module")
def site(browser: Browser, django_db_setup, django_db_blocker) -> Iterator[Site]:
    """firmid (a live server of its own) and Documents, for this module; the database emptied after."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        database = str(connection.settings_dict["NAME"])
        assert Path(database).name.startswith("test") or "test" in database, f"not a test database: {database}"
        moving = MovableClock(clock.timestamp())
        patch.setattr(clock, "timestamp", moving)
        server = LiveServer("localhost")
        documents = serve_in_thread(issuer=server.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        issuer = override_settings(
            FIRMID_ISSUER=server.url,
            OAUTH2_PROVIDER={**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": server.url},
        )
        issuer.enable()
        running = Site(browser=browser, url=server.url, documents=documents, clock=moving)
        try:
            cache.clear()
            load_demo()
            application_register(
                actor=None,
                name="Documents",
                home_url=f"{documents.url}/",
                redirect_uris=[documents.config.redirect_uri],
                post_logout_redirect_uris=[documents.config.post_logout_redirect_uri],
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
            )
            agent = User.objects.get(email=AGENT_L2)
            demo = Firm.objects.get(name=DEMO_FIRM)
            # Through the service, as an agent: the audit trail has a sentence to show.
            factories.set_level(demo, UserType.PRACTITIONERS, MfaLevel.MANDATORY, actor=agent)
            factories.set_level(demo, UserType.CLIENT_EMPLOYEES, MfaLevel.SUGGESTED, actor=agent)
            FirmMfaLevel.objects.filter(firm=demo, user_type=UserType.PRACTITIONERS.value).update(trust_browser_days=30)
            yield running
        finally:
            running.close()
            issuer.disable()
            documents.stop()
            server.stop()
            call_command("flush", verbosity=0, interactive=False)


@pytest.fixture(autouse=True)
def _no_rate_limits_left(site: Site) -> None:
    """allauth counts sign-ins per address in the cache; this module signs in many times."""
    cache.clear()


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violation(site: Site, name: str, language: str) -> None:
    page = PAGES[name](site, language)
    page.wait_for_load_state("load")
    lang = page.evaluate("() => document.documentElement.lang")
    violations = axe_violations(page)
    if violations or not lang.startswith(language):
        screenshot(page, f"a11y-{name}-{language}")
    assert lang.startswith(language), f'{name} ({page.url}): <html lang="{lang}">, expected "{language}"'
    assert not violations, axe_report(f"{name} [{language}]", page, violations)


REFUSED = [name for name in PAGES if name.endswith((" refused", "filter refused", "wrong code"))]
TIED_ERRORS = """() => [...document.querySelectorAll("main input, main select, main textarea")]
    .filter((field) => field.getAttribute("aria-invalid") === "true")
    .map((field) => ({
        field: field.name || field.id,
        errors: (field.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean)
            .map((id) => (document.getElementById(id) || {}).textContent || "").map((text) => text.trim()),
    }))"""


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("name", REFUSED)
def test_a_refused_field_is_marked_invalid_and_described_by_its_error(site: Site, name: str, language: str) -> None:
    page = PAGES[name](site, language)
    fields = page.evaluate(TIED_ERRORS)
    assert fields, f'{name} ({page.url}): no field with aria-invalid="true" after a refusal'
    for invalid in fields:
        assert invalid["errors"] and all(invalid["errors"]), (
            f"{name} ({page.url}): the field {invalid['field']!r} is invalid but aria-describedby names no error "
            f"text: {invalid['errors']}"
        )
