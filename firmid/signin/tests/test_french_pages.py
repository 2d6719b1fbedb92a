"""The sign-in pages in French: no English left in what a person reads; the application named.

Each page is rendered as the browser of a French-speaking user asks for it
(`Accept-Language: fr`), and its visible text (attributes a person reads or hears included)
is searched for common English words that are not French words.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from firmid.mfa.factors.recovery_codes import flows
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import code_now
from firmid.testing.factories import give_factor, set_level
from firmid.testing.language import english_words, visible_text
from firmid.testing.oidc import REDIRECT
from firmid.testing.signin import LOGIN, MFA, sign_in

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}
LOST = "/accounts/2fa/lost-device/"
RECOVERY = "/accounts/2fa/recovery-code/"
TRUST = "/accounts/security/trust-browser/"
SSO_CALLBACK = "/signin/sso/callback/"
AUTHORIZE = "/oauth/authorize/"


def french(client: Client, path: str, data: dict | None = None, *, method: str = "get"):
    response = getattr(client, method)(path, data or {}, **FRENCH)
    assert response.status_code < 500
    return response


def assert_french(response, *, names: tuple[str, ...] = ()) -> str:
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert english_words(html, names=names) == [], visible_text(html)
    return html


# The helper itself ------------------------------------------------------------------------


def test_the_english_detector_finds_english_and_leaves_french_and_marked_english_alone() -> None:
    page = (
        '<html lang="fr"><title>Sign in</title><p>Connectez-vous à votre compte</p>'
        '<input aria-label="Your code"><input type="submit" value="Cancel"><button value="1">Envoyer</button>'
        '<code lang="en">invalid_request: the <b>client</b></code><p>Code de la page, alice@example.test</p>'
    )
    assert english_words(page) == ["cancel", "in", "sign", "your"]
    assert english_words("<p>Vous n'avez pas de code : contactez le support.</p>") == []


# The sign-in pages in French ------------------------------------------------------------------


@pytest.mark.django_db
def test_address_step_in_french(client) -> None:
    html = assert_french(french(client, LOGIN))
    assert "Se connecter" in html and 'autocomplete="username"' in html


def test_invalid_address_is_tied_to_its_field_in_french(client, db) -> None:
    response = french(client, LOGIN, {"login": "not an address"}, method="post")
    assert response.status_code == 400
    html = assert_french(response)
    assert 'id="login-error"' in html and "Saisissez une adresse e-mail valide." in html
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*aria-describedby="login-error"', html)


def test_password_step_in_french(client, alice) -> None:
    html = assert_french(french(client, LOGIN, {"login": alice.email}, method="post"))
    assert 'name="password"' in html and 'autocomplete="current-password"' in html
    assert "Mot de passe oublié ?" in visible_text(html)


def test_wrong_password_in_french(client, alice) -> None:
    response = french(client, LOGIN, {"login": alice.email, "password": "not-the-password"}, method="post")
    html = assert_french(response)
    assert 'id="login-error"' in html
    assert re.search(r'<input type="password"[^>]*aria-invalid="true" aria-describedby="login-error"', html)


@pytest.fixture
def dan(make_user):
    """A practitioner with an authenticator app."""
    user = make_user(email="dan@example.test")
    user.totp_secret = give_factor(user)
    return user


def test_code_page_in_french(client, dan, password) -> None:
    assert sign_in(client, dan.email, password).url == MFA
    html = assert_french(french(client, MFA))
    assert "Saisissez votre code à usage unique" in html
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    assert '<label for="id_code">' in html


def test_wrong_code_is_tied_to_its_field_in_french(client, dan, password) -> None:
    sign_in(client, dan.email, password)
    response = french(
        client, MFA, {"code": "000000" if code_now(dan.totp_secret) != "000000" else "111111"}, method="post"
    )
    assert response.status_code == 400
    html = assert_french(response)
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*aria-describedby="id_code_error"', html) or re.search(
        r'<input[^>]*aria-describedby="id_code_error"[^>]*aria-invalid="true"', html
    )
    assert 'id="id_code_error"' in html


def test_lost_device_pages_in_french(client, dan, password) -> None:
    sign_in(client, dan.email, password)
    assert_french(french(client, LOST))
    html = assert_french(french(client, LOST, {"ask_support": "1"}, method="post"))
    assert 'id="lost-device-sent"' in html
    assert "Retour à la saisie du code" in html  # the way back


def test_recovery_code_page_in_french(client, dan, password) -> None:
    flows.recovery_codes_issue(user=dan, request=None)
    sign_in(client, dan.email, password)
    assert 'href="/accounts/2fa/recovery-code/"' in assert_french(french(client, LOST))
    html = assert_french(french(client, RECOVERY))
    assert "Code de secours" in html
    assert_french(french(client, RECOVERY, {"code": "not-a-code"}, method="post"))


def test_trust_browser_page_in_french(client, dan, password) -> None:
    set_level(dan.firm, UserType.PRACTITIONERS, MfaLevel.SUGGESTED)
    FirmMfaLevel.objects.filter(firm=dan.firm, user_type="practitioners").update(trust_browser_days=30)
    sign_in(client, dan.email, password)
    assert client.post(MFA, {"code": code_now(dan.totp_secret)}).url == TRUST
    html = assert_french(french(client, TRUST))
    assert "Ne plus demander sur ce navigateur pendant 30 jours" in html


def test_enrolment_refusals_in_french(client, alice, password) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    sign_in(client, alice.email, password)
    response = french(client, "/accounts/security/enrol/", {"later": "1"}, method="post")
    assert response.status_code == 403
    assert "Votre cabinet exige l'authentification multifacteur" in visible_text(response.content.decode())


def test_sso_failed_page_in_french(client, db) -> None:
    response = french(client, SSO_CALLBACK, {"state": "never-issued"})
    assert response.status_code == 400
    html = assert_french(response)
    assert "Ce lien de connexion a expiré ou a déjà été utilisé." in visible_text(html)
    assert 'href="/accounts/login/"' in html  # the way back


def test_sso_start_of_an_unknown_connection_in_french(client, db) -> None:
    response = french(client, "/signin/sso/00000000-0000-0000-0000-000000000000/start/")
    assert response.status_code == 404
    assert "Cette connexion n'est pas disponible." in visible_text(assert_french(response))


def test_a_session_ended_says_so_in_french(client, alice, password, frozen_clock, settings) -> None:
    sign_in(client, alice.email, password, **FRENCH)
    frozen_clock.advance(settings.FIRMID_SESSION_ABSOLUTE_SECONDS + 1)
    response = french(client, "/my-account/")
    assert response.status_code == 302
    html = assert_french(french(client, response.url))
    assert "Votre session a pris fin. Veuillez vous reconnecter." in html


def test_english_is_still_the_default(client, db) -> None:
    html = client.get(LOGIN).content.decode()
    assert '<html lang="en">' in html and "One account for every application of the platform." in html


# The application the user is signing in to ------------------------------------------------


def authorization_url(client_id: str, redirect_uri: str = REDIRECT, **extra: str) -> str:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": "openid"}
    return f"{AUTHORIZE}?{urlencode({**query, **extra})}"


def login_url(next_url: str) -> str:
    return f"{LOGIN}?{urlencode({'next': next_url})}"


def test_sign_in_page_names_the_registered_application(client, registration) -> None:
    next_url = authorization_url(registration.application.client_id)
    html = client.get(login_url(next_url)).content.decode()
    assert "<h1>Sign in to continue to Documents</h1>" in html
    assert "Connectez-vous pour accéder à Documents" in assert_french(french(client, login_url(next_url)))


def test_the_name_stays_through_the_password_step_and_the_code_page(client, registration, dan, password) -> None:
    next_url = authorization_url(registration.application.client_id)
    page = french(client, LOGIN, {"login": dan.email, "next": next_url}, method="post").content.decode()
    assert "Connectez-vous pour accéder à Documents" in page and 'name="password"' in page
    assert sign_in(client, dan.email, password, next_url).url == MFA
    assert "Vous vous connectez à Documents." in assert_french(french(client, MFA))


def test_the_name_is_the_registered_one_and_escaped(client, registration) -> None:
    application = registration.application
    application.name = "<b>Docs</b> & Co"
    application.save()
    next_url = authorization_url(application.client_id, client_name="Evil Corp", name="Evil Corp")
    html = client.get(login_url(next_url)).content.decode()
    assert "Sign in to continue to &lt;b&gt;Docs&lt;/b&gt; &amp; Co" in html
    assert "<b>Docs</b>" not in html and "Evil Corp" not in visible_text(html)


@pytest.mark.parametrize(
    "next_url",
    [
        authorization_url("no-such-client"),
        authorization_url(""),
        authorization_url("x" * 500),
        f"{AUTHORIZE}?client_id=a&client_id=b",
        "/my-account/?client_id=documents",
        "https://elsewhere.example/oauth/authorize/?client_id=CLIENT",
        "not a url at all",
        "http://[::1",
    ],
)
def test_no_name_for_what_is_not_a_registered_client(client, registration, next_url) -> None:
    next_url = next_url.replace("CLIENT", registration.application.client_id)
    response = client.get(login_url(next_url))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Sign in</h1>" in html and "continue to" not in html


def test_no_name_for_a_redirect_uri_the_application_did_not_register(client, registration) -> None:
    next_url = authorization_url(registration.application.client_id, redirect_uri="https://attacker.example/cb")
    html = client.get(login_url(next_url)).content.decode()
    assert "<h1>Sign in</h1>" in html and "Documents" not in html


def test_sign_in_from_the_application_names_it(client, registration) -> None:
    # The authorization endpoint sends an anonymous user to the sign-in page, its request in `next`.
    response = client.get(
        authorization_url(registration.application.client_id, code_challenge="x" * 43, code_challenge_method="S256")
    )
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert "Sign in to continue to Documents" in client.get(response.url).content.decode()


# Messages built in Python -------------------------------------------------------------------


def test_every_refusal_of_a_firm_sign_in_reads_in_french() -> None:
    from django.utils import translation

    from firmid.signin.federation_failures import EXPIRED, NO_MFA, REFUSALS, STEP_UP_FAILED

    for text in [*REFUSALS.values(), NO_MFA, STEP_UP_FAILED, EXPIRED]:
        with translation.override("en"):
            english = text % {"firm": "Cabinet Martin"} if "%(firm)s" in str(text) else str(text)
        with translation.override("fr"):
            message = text % {"firm": "Cabinet Martin"} if "%(firm)s" in str(text) else str(text)
        assert message != english and english_words(f"<p>{message}</p>", names=("Cabinet Martin",)) == [], message
