"""The API's refusals in the request's language: the same code, fields and values, the words translated."""

from __future__ import annotations

import pytest
from django.test import Client

from firmid.accounts.models import Role, User
from firmid.tenancy.models import Firm
from firmid.testing.signin import sign_in_as

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def firm() -> Firm:
    return Firm.objects.get(name="Demo Accounting")


@pytest.fixture
def alice() -> User:
    return User.objects.get(email="alice@demo-accounting.test")


def both(send) -> tuple[object, object]:
    """The same request in English and in French."""
    return send(HTTP_ACCEPT_LANGUAGE="en"), send(HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")


def assert_same_but_the_words(english, french, *, says_en: str, says_fr: str) -> None:
    assert english.status_code == french.status_code
    en, fr = english.json(), french.json()
    assert en["code"] == fr["code"]
    assert en.get("errors", {}).keys() == fr.get("errors", {}).keys()
    assert says_en in en["detail"] and says_fr in fr["detail"], (en, fr)
    assert french["Content-Language"] == "fr" and english["Content-Language"] == "en"


@pytest.mark.parametrize(
    ("body", "says_en", "says_fr"),
    [
        (
            {"levels": {"practitioners": "maximum"}},
            "Invalid input: levels.practitioners: Unknown MFA level 'maximum': choose one of upon_request, "
            "suggested, mandatory.",
            "Données invalides : levels.practitioners : Niveau de MFA inconnu 'maximum' : choisissez parmi "
            "upon_request, suggested, mandatory.",
        ),
        ({"levels": {}, "force": True}, "force: Unknown field: expected one of", "force : Champ inconnu"),
        ({"levels": {}, "confirm": "yes"}, "confirm: Must be true or false.", "confirm : Doit valoir true ou false."),
        ({"levels": {"partners": "mandatory"}}, "Unknown user type: choose one of", "Type d'utilisateur inconnu"),
        (
            {"levels": {}, "options": {"practitioners": {"allowed_methods": ["sms"]}}},
            "Unknown method 'sms': choose among totp, webauthn.",
            "Méthode inconnue 'sms' : choisissez parmi totp, webauthn.",
        ),
        (
            {"levels": {}, "options": {"practitioners": {"allowed_methods": []}}},
            "Allow at least one method",
            "Autorisez au moins une méthode",
        ),
        ({}, "levels: This field is required.", "levels : Ce champ est obligatoire."),  # DRF's own French
        (
            {"levels": {}, "mandatory_from": {"clients": "2030-01-15"}},
            "mandatory_from.clients: give the type's level (mandatory) in levels too.",
            "mandatory_from.clients : indiquez aussi le niveau du type (mandatory) dans levels.",
        ),
    ],
)
def test_bad_input_is_refused_with_the_same_code_in_each_language(l2, firm, body, says_en, says_fr) -> None:
    def send(**headers: str):
        return l2.put(f"/api/v1/firms/{firm.pk}/mfa-levels", body, content_type="application/json", **headers)

    english, french = both(send)
    assert english.status_code == 400
    assert_same_but_the_words(english, french, says_en=says_en, says_fr=says_fr)


def test_a_refusal_that_needs_confirmation_keeps_its_code(l2, alice) -> None:
    def send(**headers: str):
        body = {"reason": "Lost phone, ticket 42"}
        return l2.post(f"/api/v1/users/{alice.public_id}/mfa/reset", body, content_type="application/json", **headers)

    english, french = both(send)
    assert english.status_code == 409 and english.json()["code"] == "confirmation_required"
    assert_same_but_the_words(
        english,
        french,
        says_en='Resetting a user\'s MFA removes their factors and ends their sessions: send {"confirm": true}',
        says_fr='Réinitialiser la MFA d\'un utilisateur supprime ses facteurs et ferme ses sessions : envoyez {"confirm": true}',
    )


def test_unknown_endpoint_and_bad_page_in_each_language(l2) -> None:
    english, french = both(lambda **headers: l2.get("/api/v1/nowhere", **headers))
    assert english.status_code == 404
    assert_same_but_the_words(english, french, says_en="No such endpoint.", says_fr="Ce point d'accès n'existe pas.")
    english, french = both(lambda **headers: l2.get("/api/v1/firms/?page=x", **headers))
    assert english.status_code == 400 and english.json()["errors"] == {
        "page": ["A page number is a whole number from 1."]
    }
    assert french.json()["errors"] == {"page": ["Un numéro de page est un nombre entier à partir de 1."]}
    assert_same_but_the_words(english, french, says_en="page: A page number", says_fr="page : Un numéro de page")


def test_who_may_not_call_is_told_in_their_language(make_user, firm) -> None:
    anonymous = Client()
    english, french = both(lambda **headers: anonymous.get("/api/v1/firms/", **headers))
    assert english.status_code == 403 and english.json()["code"] == "not_authenticated"
    assert_same_but_the_words(
        english,
        french,
        says_en="Authentication credentials were not provided.",
        says_fr="Informations d'authentification non fournies.",
    )
    practitioner = sign_in_as(Client(), make_user(role=Role.PRACTITIONER, firm=firm))
    english, french = both(lambda **headers: practitioner.get("/api/v1/firms/", **headers))
    assert english.status_code == 403 and english.json()["code"] == "permission_denied"
    assert_same_but_the_words(
        english,
        french,
        says_en="Only support agents can use this API.",
        says_fr="Seuls les agents du support peuvent utiliser cette API.",
    )


def test_values_for_machines_do_not_change_with_the_language(l2, alice) -> None:
    english = l2.get(f"/api/v1/users/{alice.public_id}/mfa", HTTP_ACCEPT_LANGUAGE="en").json()
    french = l2.get(f"/api/v1/users/{alice.public_id}/mfa", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert english == french and english["status"] == "Not offered" and english["action"] == "none"
