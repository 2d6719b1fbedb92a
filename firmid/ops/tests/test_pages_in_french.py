"""The outage (503) and error pages speak the reader's language, without the database to ask."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from firmid.ops.outages import CacheUnavailable, server_error


def answered(error: Exception, path: str = "/accounts/login/", **headers: str):
    request = RequestFactory().get(path, **headers)
    try:
        raise error
    except Exception:  # noqa: BLE001 — the handler reads the error being handled, as Django calls it
        return server_error(request)


# No django_db mark: any query here would fail the test, as the outage fails the page.


@pytest.mark.parametrize(
    ("headers", "language"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}, "fr"),
        ({"HTTP_COOKIE": "firmid_language=fr", "HTTP_ACCEPT_LANGUAGE": "en"}, "fr"),
        ({"HTTP_ACCEPT_LANGUAGE": "en-GB"}, "en"),
        ({}, "en"),
    ],
)
def test_the_outage_page_is_in_the_browsers_language(headers: dict, language: str) -> None:
    response = answered(OperationalError("server closed the connection unexpectedly"), **headers)
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "5" and response["Content-Language"] == language
    assert f'<html lang="{language}">' in page and '<meta name="viewport"' in page and page.count("<h1>") == 1
    if language == "fr":
        assert "<h1>Service momentanément indisponible</h1>" in page
        assert "firmid ne peut pas joindre sa base de données pour le moment." in page
        assert '<a href="/">Retour à l&#x27;accueil</a>' in page
    else:
        assert "<h1>Temporarily unavailable</h1>" in page and '<a href="/">Back to the home page</a>' in page


def test_the_api_says_it_in_french_with_the_same_code() -> None:
    french = answered(CacheUnavailable("Redis"), "/api/v1/firms/", HTTP_ACCEPT_LANGUAGE="fr")
    english = answered(CacheUnavailable("Redis"), "/api/v1/firms/", HTTP_ACCEPT_LANGUAGE="en")
    assert french.status_code == english.status_code == 503
    assert json.loads(french.content) == {
        "detail": "firmid ne peut pas joindre son cache pour le moment. Veuillez réessayer dans un instant.",
        "code": "unavailable",
    }
    assert json.loads(english.content)["code"] == "unavailable" and json.loads(english.content)["detail"].startswith(
        "firmid cannot reach"
    )


def test_the_oauth_endpoints_error_description_stays_ascii_english() -> None:
    response = answered(CacheUnavailable("Redis"), "/oauth/token/", HTTP_ACCEPT_LANGUAGE="fr")
    body = json.loads(response.content)
    assert body["error"] == "temporarily_unavailable" and body["error_description"].isascii()
    assert body["error_description"] == "firmid cannot reach its cache right now. Please try again in a moment."


def test_the_language_localemiddleware_chose_wins() -> None:
    request = RequestFactory().get("/my-account/", HTTP_ACCEPT_LANGUAGE="en")
    request.LANGUAGE_CODE = "fr"  # the user's saved choice, read before the database went away
    try:
        raise OperationalError("gone")
    except OperationalError:
        response = server_error(request)
    assert "<h1>Service momentanément indisponible</h1>" in response.content.decode()


def test_a_bug_is_a_500_page_in_french_with_a_way_back() -> None:
    response = answered(RuntimeError("bug"), "/my-account/", HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()
    assert response.status_code == 500 and '<html lang="fr">' in page
    assert "<h1>Une erreur s&#x27;est produite</h1>" in page and '<a href="/">' in page and "bug" not in page
    english = answered(RuntimeError("bug"), "/api/v1/firms/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 500 and english.content.decode().startswith("Something went wrong on our side.")


@pytest.mark.django_db
def test_a_nul_character_is_refused_in_french(client) -> None:
    response = client.get("/accounts/login/", {"q": "\x00"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400 and response.content.decode() == "Un paramètre contient un caractère NUL."
    response = client.get("/api/v1/firms/", {"q": "\x00"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json() == {"detail": "Un paramètre contient un caractère NUL.", "code": "invalid"}
