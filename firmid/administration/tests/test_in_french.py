"""The Administration application in French: the firm list, the Authentication and security tab
(with what each level means), the user lists and a user's page, with no English word left."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from firmid.accounts.models import User
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import ClientCompany, Firm
from firmid.testing.administration import user_url
from firmid.testing.factories import set_level
from firmid.testing.language import english_words as english_words_of

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


# Common English words, and those of these pages: none may be read on a French page. Words
# spelt the same in French (type, clients, application, administration, impact, date…) are
# left out.
def names() -> list[str]:
    """What the demo data names (firms, companies, people): the same in both languages."""
    found = [*Firm.objects.values_list("name", flat=True), *ClientCompany.objects.values_list("name", flat=True)]
    found += User.objects.values_list("full_name", flat=True)
    return sorted(found, key=len, reverse=True)


def english_words(html: str) -> list[str]:
    return english_words_of(html, names=names())


def french_page(client: Client, url: str, params: dict | None = None) -> str:
    response = client.get(url, params or {}, **FRENCH)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert english_words(html) == [], url
    return html


@pytest.fixture(autouse=True)
def _english_outside_requests():
    yield
    translation.activate("en")


def test_the_word_list_catches_english(demo) -> None:
    assert english_words("<p>Upon request</p><p title='Save'>Niveau</p>") == ["request", "save", "upon"]
    assert english_words("<p>Demo Accounting · Northwind Partners : À la demande</p>") == []


@pytest.mark.parametrize("level", [1, 2])
def test_firm_list_in_french_with_its_filters(client: Client, signed_in_agent, demo, level) -> None:
    set_level(Firm.objects.get(name="Demo Accounting"), UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    signed_in_agent(level)
    page = french_page(client, "/administration/firms/", {"level": "mandatory", "sso": "none"})
    assert "<h1>Cabinets comptables</h1>" in page
    assert '<label for="firm-search">Rechercher un cabinet</label>' in page
    assert '<option value="mandatory" selected>Obligatoire</option>' in page
    assert "Obligatoire</span>" in page and "Cabinet comptable" in page  # the menu
    assert "1 cabinet" in page


def test_security_tab_in_french_says_what_each_level_means(client: Client, signed_in_agent, demo_firm) -> None:
    signed_in_agent(2)
    page = french_page(client, f"/administration/firms/{demo_firm.pk}/security/")
    assert 'aria-current="page">Authentification et sécurité</a>' in page
    for level in ("À la demande", "Suggérée", "Obligatoire"):
        assert f"> {level}</label>" in page
    assert "La MFA n&#x27;est pas gérée au niveau du cabinet : elle est configurée individuellement" in page
    assert "ils peuvent toujours se connecter aux applications sans elle." in page
    assert "tant qu&#x27;ils ne l&#x27;ont pas fait, la connexion aux applications est bloquée." in page
    assert "<legend>Collaborateurs</legend>" in page
    assert ">Prévisualiser l'impact</button>" in page and ">Enregistrer</button>" in page


def test_security_tab_read_only_in_french(client: Client, signed_in_agent, demo_firm) -> None:
    set_level(demo_firm, UserType.CLIENTS, MfaLevel.SUGGESTED)
    signed_in_agent(1)
    page = french_page(client, f"/administration/firms/{demo_firm.pk}/security/")
    assert "Clients administrateurs et clients standards: Suggérée" in page
    assert "Les utilisateurs choisissent de configurer ou non la MFA" in page


@pytest.mark.parametrize(
    ("url", "title"),
    [("/administration/practitioners/", "Collaborateurs"), ("/administration/client-users/", "Utilisateurs clients")],
)
def test_user_lists_in_french(client: Client, signed_in_agent, demo, url, title) -> None:
    signed_in_agent(1)
    page = french_page(client, url)
    assert f"<h1>{title}</h1>" in page
    assert "Statut MFA" in page and "Tous les statuts" in page
    filtered = french_page(client, url, {"status": "not_offered", "firm": Firm.objects.get(name="Demo Accounting").pk})
    assert '<option value="not_offered" selected>Non proposée</option>' in filtered
    assert "Niveau du cabinet : À la demande" in filtered


def test_user_page_in_french(client: Client, signed_in_agent, alice) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    signed_in_agent(2)
    page = french_page(client, user_url(alice, "security"))
    assert '<span id="mfa-status">Imposée</span>' in page
    assert "Niveau du cabinet : Obligatoire" in page
    assert "Imposée par le niveau du cabinet pour les Collaborateurs (Obligatoire)" in page
    assert ">Désactiver cet utilisateur</a>" in page
    assert '<nav class="breadcrumbs" aria-label="Fil d\'Ariane">' in page


def test_the_other_pages_in_french(client: Client, signed_in_agent, demo, northwind) -> None:
    alice = User.objects.get(email="alice@demo-accounting.test")
    signed_in_agent(2)
    for url in (
        f"/administration/firms/{northwind.pk}/sso/",
        f"/administration/firms/{northwind.pk}/sso/practitioners/edit/",
        f"/administration/firms/{northwind.pk}/sso/practitioners/disable/",
        f"/administration/firms/{northwind.pk}/mfa-coverage/",
        f"/administration/firms/{northwind.pk}/not-covered/",
        "/administration/mfa-coverage/",
        "/administration/applications/",
        "/administration/applications/new/",
        f"/administration/users/{alice.public_id}/reset-mfa/",
        f"/administration/users/{alice.public_id}/disable/",
        f"/administration/users/{alice.public_id}/email/",
    ):
        french_page(client, url)


def test_the_not_covered_export_is_in_the_agents_language(client: Client, signed_in_agent, demo_firm) -> None:
    signed_in_agent(1)
    response = client.get(f"/administration/firms/{demo_firm.pk}/not-covered/csv/", **FRENCH)
    text = b"".join(response.streaming_content).decode()
    assert "Type d'utilisateur,Niveau,Utilisateurs,Configurée" in text
    assert "Collaborateurs,À la demande" in text
    assert "Historique des niveaux de MFA" in text
