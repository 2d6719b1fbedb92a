"""The MFA pages in French: set-up, the new app, keys, recovery codes; refusals and labels.

Each page is rendered as a French-speaking user's browser asks for it (`Accept-Language: fr`)
and its visible text (attributes read aloud included) is searched for common English words
that are not French words.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from firmid.accounts.models import Role
from firmid.mfa.factors.recovery_codes import flows as recovery
from firmid.mfa.registry import factors
from firmid.mfa.trust import shown_browser_label
from firmid.mfa.verification import Outcome, _duration, refusal_message
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import code_now
from firmid.testing.factories import give_factor, set_level
from firmid.testing.language import english_words
from firmid.testing.signin import ENROL, HOME, RECOVERY_CODES, shown_key, shown_recovery_codes, sign_in, sign_in_as

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}
SHOW = "/accounts/2fa/recovery-codes/"
REGENERATE = "/accounts/2fa/recovery-codes/new/"
REMOVE_CODES = "/accounts/2fa/recovery-codes/remove/"
REPLACE = "/accounts/2fa/totp/replace/"
ADD_KEY = "/accounts/2fa/webauthn/add/"


def assert_french(response) -> str:
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert english_words(html) == [], (english_words(html), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
    return html


@pytest.fixture(autouse=True)
def _english_outside_requests():
    # A French request leaves French active in this thread: each test starts in English.
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def client() -> Client:
    """A French-speaking user's browser: every request says Accept-Language: fr."""
    return Client(**FRENCH)


@pytest.fixture
def with_factor(make_user, client, password):
    """Signed in with the code of an authenticator app: recent proof for My account's changes."""
    user = make_user(role=Role.PRACTITIONER, email="dominique@cabinet.test")
    secret = give_factor(user)
    assert sign_in(client, user.email, password, totp_secret=secret).url == HOME
    return user


@pytest.fixture
def mandatory_user(make_user):
    user = make_user(role=Role.PRACTITIONER, email="camille@cabinet.test")
    set_level(user.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    return user


def test_the_english_detector_finds_english_and_leaves_french_alone() -> None:
    page = '<p>Connectez-vous à votre compte</p><input aria-label="Your code"><p lang="en">the English</p>'
    assert english_words(page) == ["your"]


def test_the_set_up_page_reads_in_french(client: Client, mandatory_user, password) -> None:
    sign_in(client, mandatory_user.email, password)
    html = assert_french(client.get(ENROL))
    assert "Renforcez la sécurité de votre compte" in html
    assert "Votre cabinet exige la MFA." in html
    assert ">Activer</button>" in html


def test_a_suggested_set_up_offers_activate_later_in_french(client: Client, make_user, password) -> None:
    user = make_user(role=Role.PRACTITIONER)
    set_level(user.firm, UserType.PRACTITIONERS, MfaLevel.SUGGESTED)
    sign_in(client, user.email, password)
    html = assert_french(client.get(ENROL))
    assert "Activer plus tard" in html


def test_on_a_phone_the_code_field_comes_with_the_key_not_a_screen_below_the_qr_code(
    client: Client, mandatory_user, password
) -> None:
    sign_in(client, mandatory_user.email, password)
    html = client.get(ENROL).content.decode()
    # mfa.css lays the QR code beside the typed key at 40rem or less: the steps and the
    # code field follow it at once, in reading order.
    assert "firmid/mfa/mfa.css" in html
    order = [html.index(marker) for marker in ('class="totp-scan"', 'class="qr"', 'id="totp-key"', 'name="code"')]
    assert order == sorted(order)


def test_a_wrong_code_on_the_set_up_page_is_refused_in_french_and_tied_to_its_field(
    client: Client, mandatory_user, password
) -> None:
    sign_in(client, mandatory_user.email, password)
    response = client.post(ENROL, {"code": "12"})
    html = response.content.decode()
    assert "Saisissez le code à 6 chiffres" in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_code_error"' in html and 'id="id_code_error"' in html


def test_the_recovery_codes_shown_after_a_first_factor_read_in_french(client: Client, mandatory_user, password) -> None:
    sign_in(client, mandatory_user.email, password)
    secret = shown_key(client.get(ENROL))
    response = client.post(ENROL, {"code": code_now(secret)})
    assert response.url == RECOVERY_CODES
    page = client.get(RECOVERY_CODES)
    html = assert_french(page)
    assert "Vos codes de secours" in html and len(shown_recovery_codes(page)) == 10


def test_my_accounts_recovery_code_pages_read_in_french(client: Client, with_factor) -> None:
    recovery.recovery_codes_issue(user=with_factor, request=None)
    html = assert_french(client.get(REGENERATE))
    assert "Il vous reste 10 codes de secours inutilisés." in html
    assert "Supprimer mes 10 codes de secours" in assert_french(client.get(REMOVE_CODES))
    assert client.post(REGENERATE, {"generate": "1"}).url == SHOW
    assert "Je les ai enregistrés" in assert_french(client.get(SHOW))
    # Shown once: the second look says so, in French too.
    assert "déjà été affichés une fois" in assert_french(client.get(SHOW))


def test_the_new_app_and_key_pages_read_in_french(client: Client, with_factor) -> None:
    assert "Transférer votre application" in assert_french(client.get(REPLACE))
    assert "Ajouter une clé d'accès ou une clé de sécurité" in assert_french(client.get(ADD_KEY))


def test_the_factor_labels_follow_the_language() -> None:
    with translation.override("fr"):
        assert [str(f.add_label) for f in factors()] == [
            "Ajouter une application d'authentification",
            "Ajouter une clé d'accès ou une clé de sécurité",
            "Générer des codes de secours",
        ]
    assert [str(f.kind_label) for f in factors()] == ["Authenticator app", "Passkey or security key", "Recovery codes"]


@pytest.mark.parametrize(
    ("seconds", "english", "french"),
    [(60, "1 minute", "1 minute"), (600, "10 minutes", "10 minutes"), (3 * 3600, "3 hours", "3 heures")],
)
def test_a_locks_duration_is_said_in_the_language(seconds, english, french) -> None:
    assert _duration(seconds) == english
    with translation.override("fr"):
        assert _duration(seconds) == french


def test_a_refused_code_is_said_in_the_language(make_user) -> None:
    user = make_user(role=Role.PRACTITIONER)
    with translation.override("fr"):
        assert refusal_message(outcome=Outcome.REFUSED, user=user) == (
            "Ce code n'est pas valide. Saisissez le code actuel de votre application d'authentification."
        )
    assert refusal_message(outcome=Outcome.REFUSED, user=user).startswith("This code is not valid.")


def test_a_trusted_browsers_stored_label_is_shown_in_the_language() -> None:
    with translation.override("fr"):
        assert shown_browser_label("Firefox on Windows") == "Firefox sous Windows"
        assert shown_browser_label("A browser on Linux") == "Un navigateur sous Linux"
        assert shown_browser_label("Unknown browser") == "Navigateur inconnu"
    assert shown_browser_label("Firefox on Windows") == "Firefox on Windows"


def test_my_account_is_reached_after_the_french_pages(client: Client, make_user) -> None:
    user = make_user(role=Role.PRACTITIONER)
    sign_in_as(client, user)
    assert client.get(HOME).headers["Content-Language"] == "fr"
