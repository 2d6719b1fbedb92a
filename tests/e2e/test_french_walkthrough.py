"""The help-centre article's flow, in French, with no English on any page or in any e-mail.

A level 2 support agent, in a browser set to French, signs in (setting up their own MFA),
opens Cabinet comptable › Demo Accounting › Authentification et sécurité, sets Collaborateurs
to Obligatoire and saves (confirming if asked). Then Alice, a practitioner of that firm with a
French browser, signs in to Documents: firmid makes her set up an authenticator app, and she
lands on Documents' claims page. Every page says `<html lang="fr">` and shows none of a list
of common English words (names of people, firms and products, e-mail addresses, codes and
keys left out); the e-mails they receive (Alice's "MFA set up" among them) are in French,
subject and body.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from demo_rp.server import Running
from firmid.accounts.models import User
from firmid.tenancy.models import ClientCompany, Firm
from firmid.testing.codes import code_now
from firmid.testing.smtp import Mailbox

from .a11y_support import (
    LOCALES,
    activate_shown_key,
    decline_trust,
    english_words,
    leave_recovery_codes,
    read_text,
    screenshot,
)
from .pages import ADMINISTRATION, AGENT_L2, ALICE, DEMO_FIRM, ENROL, LOGIN, TIMEOUT_MS, path_is, path_under

PRACTITIONERS = "Collaborateurs"
MANDATORY = "Obligatoire"


class FrenchOnly:
    """Checks each page as it is visited: French `lang`, no English word; reports them all at the end."""

    def __init__(self) -> None:
        self.names = tuple(
            [*User.objects.values_list("full_name", flat=True)]
            + [*Firm.objects.values_list("name", flat=True)]
            + [*ClientCompany.objects.values_list("name", flat=True)]
            + ["Documents", "firmid"]
        )
        self.problems: list[str] = []
        self.seen: list[str] = []

    def page(self, page: Page, name: str, *, data: str = "", terms: tuple[str, ...] = ()) -> None:
        """`data`: a selector of machine-readable values shown as such; `terms`: technical words quoted."""
        page.wait_for_load_state("load")
        self.seen.append(name)
        screenshot(page, f"french-{len(self.seen):02d}-{name}")
        lang = page.evaluate("() => document.documentElement.lang")
        if lang != "fr":
            self.problems.append(f'{name} ({page.url}): <html lang="{lang}">')
        found = english_words(read_text(page, "fr", skip=data), names=(*self.names, *terms))
        if found:
            self.problems.append(f"{name} ({page.url}): English words {found}")

    def mail(self, subject: str, body: str, to: str) -> None:
        self.seen.append(f"e-mail to {to}: {subject}")
        found = english_words(f"{subject}\n{body}", names=self.names)
        if found:
            self.problems.append(f"e-mail to {to} « {subject} »: English words {found}\n{body}")

    def assert_none(self) -> None:
        assert not self.problems, "English in the French walk-through:\n" + "\n".join(self.problems)


def french_context(browser: Browser, base_url: str) -> BrowserContext:
    context = browser.new_context(base_url=base_url, locale=LOCALES["fr"])
    context.set_default_timeout(TIMEOUT_MS)
    return context


def test_the_article_in_french_has_no_english_on_any_page_or_email(
    browser: Browser, demo_site: str, documents: Running, smtp: Mailbox, frozen_clock
) -> None:
    check = FrenchOnly()

    def code_of(secret: str) -> str:
        frozen_clock.advance(30)
        return code_now(secret)

    agent_context = french_context(browser, demo_site)
    user_context = french_context(browser, demo_site)
    try:
        # The support agent signs in, setting up their own MFA first.
        agent = agent_context.new_page()
        agent.goto(LOGIN)
        check.page(agent, "connexion-adresse")
        agent.locator('input[name="login"]').fill(AGENT_L2)
        agent.get_by_role("button", name="Continuer", exact=True).click()
        expect(agent.locator('input[name="password"]')).to_be_visible()
        check.page(agent, "connexion-mot-de-passe")
        agent.locator('input[name="password"]').fill("demo-password")
        agent.get_by_role("button", name="Se connecter", exact=True).click()
        expect(agent).to_have_url(path_is(ENROL))
        expect(agent.get_by_role("heading", name="Renforcez la sécurité de votre compte")).to_be_visible()
        check.page(agent, "agent-configuration")
        activate_shown_key(agent, code_of)
        check.page(agent, "agent-codes-de-secours")
        leave_recovery_codes(agent)
        decline_trust(agent)
        expect(agent).to_have_url(path_under(ADMINISTRATION))
        check.page(agent, "administration")

        # Cabinet comptable › the firm › Authentification et sécurité: Collaborateurs, Obligatoire.
        agent.locator("nav.side").get_by_role("link", name="Cabinet comptable", exact=True).click()
        check.page(agent, "cabinets")
        agent.locator('input[name="q"]').fill(DEMO_FIRM)
        agent.locator('input[name="q"]').press("Enter")
        agent.get_by_role("table").get_by_role("link", name=DEMO_FIRM, exact=True).click()
        agent.get_by_role("link", name="Authentification et sécurité", exact=True).click()
        expect(agent.get_by_role("heading", level=1)).to_have_text(DEMO_FIRM)
        check.page(agent, "authentification-et-securite")
        agent.get_by_role("group", name=PRACTITIONERS, exact=True).get_by_role(
            "radio", name=MANDATORY, exact=True
        ).check()
        agent.get_by_role("button", name="Enregistrer", exact=True).click()
        agent.wait_for_load_state()
        if agent.get_by_role("heading", name="Confirmer", exact=True).count():
            check.page(agent, "confirmer")
            agent.get_by_role("button", name="Confirmer", exact=True).click()
            agent.wait_for_load_state()
        expect(agent.locator("ul.messages li")).not_to_have_count(0)
        check.page(agent, "enregistre")
        assert Firm.objects.get(name=DEMO_FIRM).mfa_levels.get(user_type="practitioners").level == "mandatory"

        # Alice signs in to Documents: made to set up MFA, then on the claims page.
        user = user_context.new_page()
        user.goto(f"{documents.url}/")
        check.page(user, "documents-accueil")
        user.get_by_role("button", name="Se connecter", exact=True).first.click()
        expect(user).to_have_url(path_is(LOGIN))
        check.page(user, "documents-connexion-adresse")
        user.locator('input[name="login"]').fill(ALICE)
        user.get_by_role("button", name="Continuer", exact=True).click()
        expect(user.locator('input[name="password"]')).to_be_visible()
        check.page(user, "documents-connexion-mot-de-passe")
        user.locator('input[name="password"]').fill("demo-password")
        user.get_by_role("button", name="Se connecter", exact=True).click()
        expect(user).to_have_url(path_is(ENROL))
        expect(user.get_by_role("heading", name="Renforcez la sécurité de votre compte")).to_be_visible()
        expect(user.get_by_role("button", name="Activer plus tard")).to_have_count(0)  # Obligatoire
        check.page(user, "configuration")
        secret = user.locator("#totp-key").inner_text().strip()
        user.locator('input[name="code"]').fill(code_of(secret))
        user.get_by_role("button", name="Activer", exact=True).click()
        user.wait_for_load_state()
        check.page(user, "codes-de-secours")
        leave_recovery_codes(user)
        if "/trust-browser/" in user.url:
            check.page(user, "faire-confiance")
            decline_trust(user)
        expect(user).to_have_url(re.compile(rf"^{re.escape(documents.url)}/claims"))
        # The claims as the ID token has them: their names and values are the token's, not prose;
        # the meaning of user_type quotes its values.
        check.page(
            user,
            "documents-claims",
            data="th[scope=row], td[id^=claim-]",
            terms=("practitioners", "client_employees", "user_type"),
        )
    finally:
        agent_context.close()
        user_context.close()

    # The e-mails, in the recipients' language: French, subject and body.
    received = smtp.to(ALICE) + smtp.to(AGENT_L2)
    assert smtp.to(ALICE), f"no e-mail to {ALICE} after her set-up"
    for message in received:
        check.mail(message.subject, message.body, message.recipients[0])
    check.assert_none()
