"""My account in French, and its Language section: the choice shown, saved, and followed."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client
from django.utils import translation

from firmid.accounts.models import Role, User
from firmid.audit.actions import AuditAction
from firmid.mfa.factors.recovery_codes import flows as recovery
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.trust import trusted_browser_create
from firmid.policy import MfaLevel, UserType
from firmid.testing.factories import give_factor, set_level
from firmid.testing.language import english_words
from firmid.testing.signin import HOME, sign_in_as

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en"}
SWITCH = "/language"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"


@pytest.fixture(autouse=True)
def _english_outside_requests():
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def odile(make_user) -> User:
    """A practitioner whose firm requires MFA, with an authenticator app, 2 recovery codes left, a trusted browser."""
    user = make_user(role=Role.PRACTITIONER, email="odile@cabinet.test")
    set_level(user.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    FirmMfaLevel.objects.filter(firm=user.firm).update(trust_browser_days=30)
    give_factor(user)
    plain = recovery.recovery_codes_issue(user=user, request=None)
    for code in plain[:8]:
        recovery.use_recovery_code(user=user, raw_code=code, request=None, purpose=AuditAction.MFA_SIGN_IN)
    trusted_browser_create(user=user, user_agent=FIREFOX)
    return user


def test_my_account_reads_in_french_with_no_english(odile) -> None:
    client = sign_in_as(Client(**FRENCH), odile)
    response = client.get(HOME)
    html = unescape(response.content.decode())
    assert response.headers["Content-Language"] == "fr" and '<html lang="fr">' in html
    assert "<h1>Mon compte</h1>" in html
    assert "Application d'authentification" in html and "Plus que 2 codes de secours" in html
    assert "Firefox sous Windows" in html and "Navigateurs de confiance" in html
    assert english_words(html, names=(odile.full_name, odile.firm.name, odile.get_role_display())) == []


def test_the_language_section_shows_the_choice_and_saves_it(odile) -> None:
    client = sign_in_as(Client(**ENGLISH_BROWSER), odile)
    html = client.get(HOME).content.decode()
    assert 'value="" id="language-browser" checked' in html
    assert '<label for="language-fr" lang="fr">Français</label>' in html

    response = client.post(SWITCH, {"language": "fr", "next": HOME})
    assert (response.status_code, response.url) == (302, HOME)
    odile.refresh_from_db()
    assert odile.language == "fr"
    # Saved: French whatever the browser says, and shown as chosen.
    html = client.get(HOME).content.decode()
    assert '<html lang="fr">' in html and 'id="language-fr" checked' in html
    assert "(actuellement" not in html  # the browser's language is no longer what is followed

    client.post(SWITCH, {"language": "", "next": HOME})
    odile.refresh_from_db()
    assert odile.language == ""
    assert '<html lang="en">' in client.get(HOME).content.decode()


def test_following_the_browser_says_which_language_that_is(odile) -> None:
    html = sign_in_as(Client(**FRENCH), odile).get(HOME).content.decode()
    assert "Suivre mon navigateur" in html and "(actuellement : Français)" in html
