"""Which language a page is in: the saved choice, else the switch's cookie, else the browser, else English."""

from __future__ import annotations

import pytest
from django.test import Client

from firmid.accounts.language import language_of, remember_sign_in_language
from firmid.accounts.models import User
from firmid.testing.factories import DEMO_PASSWORD, user_make
from firmid.testing.signin import LOGIN, sign_in

pytestmark = pytest.mark.django_db

SWITCH = "/language"


def lang_of(response) -> str:
    return response.headers["Content-Language"]


def test_english_without_any_hint():
    assert lang_of(Client().get(LOGIN)) == "en"


@pytest.mark.parametrize("header", ["fr", "fr-FR,fr;q=0.9,en;q=0.5", "fr-CA"])
def test_the_browser_language_is_followed(header):
    response = Client().get(LOGIN, HTTP_ACCEPT_LANGUAGE=header)
    assert lang_of(response) == "fr"
    assert '<html lang="fr">' in response.content.decode()


def test_an_unoffered_browser_language_falls_back_to_english():
    assert lang_of(Client().get(LOGIN, HTTP_ACCEPT_LANGUAGE="de-DE,es;q=0.8")) == "en"


def test_the_switch_on_the_sign_in_page_beats_the_browser_and_returns_to_the_page():
    client = Client()
    response = client.post(SWITCH, {"language": "en", "next": LOGIN + "?next=/x"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    assert response.url == LOGIN + "?next=/x"
    cookie = response.cookies["firmid_language"]
    assert cookie.value == "en"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert lang_of(client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="fr")) == "en"


@pytest.mark.parametrize("target", ["https://evil.test/", "//evil.test/", "/\\evil.test", "javascript:alert(1)"])
def test_the_switch_never_sends_the_browser_to_another_site(target):
    response = Client().post(SWITCH, {"language": "fr", "next": target})
    assert response.status_code == 302
    assert response.url == "/"


@pytest.mark.parametrize("value", ["de", "fr-FR", "xx", "a" * 500, "fr\x00"])
def test_the_switch_refuses_a_language_not_offered(value):
    response = Client().post(SWITCH, {"language": value, "next": "/"})
    assert response.status_code == 400
    assert "firmid_language" not in response.cookies


def test_the_switch_is_a_post_with_csrf():
    client = Client(enforce_csrf_checks=True)
    assert client.get(SWITCH).status_code == 405
    assert client.post(SWITCH, {"language": "fr"}).status_code == 403


def test_a_signed_in_users_choice_is_saved_and_beats_cookie_and_browser():
    user = user_make(number=1)
    client = Client()
    sign_in(client, user.email, DEMO_PASSWORD)
    client.post(SWITCH, {"language": "fr", "next": "/my-account/"})
    assert User.objects.get(pk=user.pk).language == "fr"
    client.cookies.pop("firmid_language")
    assert lang_of(client.get("/my-account/", HTTP_ACCEPT_LANGUAGE="en")) == "fr"


def test_follow_my_browser_forgets_the_choice():
    user = user_make(number=1)
    User.objects.filter(pk=user.pk).update(language="fr")
    client = Client()
    sign_in(client, user.email, DEMO_PASSWORD)
    response = client.post(SWITCH, {"language": "", "next": "/my-account/"})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).language == ""
    assert lang_of(client.get("/my-account/", HTTP_ACCEPT_LANGUAGE="en")) == "en"
    assert lang_of(client.get("/my-account/", HTTP_ACCEPT_LANGUAGE="fr")) == "fr"


def test_a_sign_in_remembers_its_language_for_the_emails():
    user = user_make(number=1)
    sign_in(Client(), user.email, DEMO_PASSWORD, HTTP_ACCEPT_LANGUAGE="fr")
    user.refresh_from_db()
    assert (user.language, user.last_language) == ("", "fr")
    assert language_of(user) == "fr"


@pytest.mark.parametrize(
    ("language", "last", "expected"),
    [("", "", "en"), ("fr", "", "fr"), ("", "fr", "fr"), ("en", "fr", "en"), ("de", "xx", "en")],
)
def test_the_language_of_an_email(language, last, expected):
    assert language_of(User(language=language, last_language=last)) == expected
    assert language_of(None) == "en"


def test_remembering_an_unoffered_language_writes_nothing():
    user = user_make(number=1)
    remember_sign_in_language(user, "de")
    user.refresh_from_db()
    assert user.last_language == ""
