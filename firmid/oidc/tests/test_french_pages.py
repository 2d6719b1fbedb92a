"""The provider's pages a person reads, in French: refusals with a way back, form_post, sign-out."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from firmid.signin.tests.test_french_pages import FRENCH, assert_french, visible_text
from firmid.testing.oidc import AUTHORIZE, LOGOUT, auth_request
from firmid.testing.signin import sign_in


def test_unknown_application_is_refused_in_french_with_a_way_back(client, registration) -> None:
    response = client.get(auth_request(registration, client_id="no-such-client").url, **FRENCH)
    assert response.status_code == 400
    html = assert_french(response)
    text = visible_text(html)
    assert "Ce lien de connexion ne fonctionne pas" in text
    assert "firmid ne connaît pas l'application qui a envoyé cette demande." in text
    assert 'href="/my-account/"' in html  # the way back
    assert 'id="back-to-application"' not in html  # no application to go back to
    # The protocol's words stay, for the application's developers, marked as English.
    assert re.search(r'<code[^>]*lang="en">invalid_request: Invalid client_id parameter value\.</code>', html)


def test_missing_application_is_refused_in_french(client, db) -> None:
    response = client.get(AUTHORIZE, {"response_type": "code", "scope": "openid"}, **FRENCH)
    assert response.status_code == 400
    assert "La demande n'indique pas quelle application l'a envoyée." in visible_text(assert_french(response))


def test_unregistered_redirect_uri_offers_the_application_home_page(client, registration) -> None:
    request = auth_request(registration, redirect_uri="https://attacker.example/cb")
    response = client.get(request.url, **FRENCH)
    assert response.status_code == 400
    html = assert_french(response)
    assert "n'est pas l'une de celles qu'elle a enregistrées" in visible_text(html)
    assert '<a class="button" href="http://127.0.0.1:9999/" id="back-to-application">Retour à Documents</a>' in html
    assert "attacker.example" not in html


def test_the_refusal_in_english(client, registration) -> None:
    html = client.get(auth_request(registration, client_id="no-such-client").url).content.decode()
    assert "This sign-in link does not work" in html and "Go to My account" in html


def test_form_post_page_in_french(client, alice, password, registration) -> None:
    request = auth_request(registration, response_mode="form_post")
    sign_in(client, alice.email, password, request.url, **FRENCH)
    response = client.get(request.url, **FRENCH)
    assert response.status_code == 200
    html = assert_french(response, names=("Documents",))
    assert "<h1>Retour à Documents</h1>" in html and "Continuer" in html


def _browser(user, password: str) -> Client:
    signing_in = Client()
    assert sign_in(signing_in, user.email, password, **FRENCH).status_code == 302
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = signing_in.cookies
    return browser


def test_sign_out_question_and_stay_signed_in_in_french(alice, password, registration) -> None:
    browser = _browser(alice, password)
    client_id = registration.application.client_id
    page = browser.get(LOGOUT, {"client_id": client_id}, **FRENCH)
    html = assert_french(page)
    assert "Se déconnecter de Documents et de firmid ?" in visible_text(html)
    assert '<button type="submit" name="allow" value="1">Se déconnecter</button>' in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    stayed = browser.post(LOGOUT, {"client_id": client_id, "csrfmiddlewaretoken": token}, **FRENCH)
    assert stayed.status_code == 400
    text = visible_text(assert_french(stayed))
    assert "Vous êtes toujours connecté" in text
    assert 'href="/my-account/"' in stayed.content.decode()  # the way back


def test_refused_sign_out_request_in_french(alice, password) -> None:
    browser = _browser(alice, password)
    response = browser.get(LOGOUT, {"client_id": "no-such-client"}, **FRENCH)
    assert response.status_code == 400
    html = assert_french(response)
    assert "Cette demande de déconnexion ne fonctionne pas" in visible_text(html) and 'href="/my-account/"' in html


def test_application_registration_refusals_in_french(db) -> None:
    from django.utils import translation

    from firmid.core.errors import ServiceError
    from firmid.oidc.services import application_register

    with translation.override("fr"), pytest.raises(ServiceError) as refused:
        application_register(actor=None, name="Docs", home_url="https://docs.test/", redirect_uris=["http://a/*"])
    assert refused.value.message.startswith("URI de redirection : 'http://a/*' n'est pas une URL absolue exacte (")
