"""No dead ends: every refusal has a way back, and destructive actions look destructive."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from firmid.accounts.models import User
from firmid.tenancy.models import Firm
from firmid.testing.factories import give_factor
from firmid.testing.signin import sign_in_as

BACK = re.compile(r'<a class="button[^"]*" href="([^"]+)">([^<]+)</a>')


@pytest.fixture
def alice(demo) -> User:
    return User.objects.get(email="alice@demo-accounting.test")


def links_back(page: str) -> dict[str, str]:
    return {label: href for href, label in BACK.findall(page.partition('<main id="main" tabindex="-1">')[2])}


def test_a_refusal_for_an_agent_links_back_to_the_page_they_came_from_and_home(
    client: Client, signed_in_agent, demo
) -> None:
    signed_in_agent(1)
    came_from = "http://testserver/administration/practitioners/?q=alice"
    response = client.get("/administration/firms/999999/security/", HTTP_REFERER=came_from)
    page = response.content.decode()
    assert response.status_code == 404 and "<h1>Not found</h1>" in page
    assert links_back(page) == {
        "Back to the previous page": came_from,
        "Back to the Administration application": "/administration/firms/",
    }
    assert '<li aria-current="page">Not found</li>' in page


def test_a_refusal_never_links_back_to_another_site(client: Client, signed_in_agent, demo) -> None:
    signed_in_agent(1)
    response = client.get("/administration/firms/999999/security/", HTTP_REFERER="https://evil.test/phish")
    assert links_back(response.content.decode()) == {"Back to the Administration application": "/administration/firms/"}


def test_a_level_1_agent_refused_an_action_has_a_way_back(client: Client, signed_in_agent, alice) -> None:
    signed_in_agent(1)
    response = client.get(f"/administration/users/{alice.public_id}/reset-mfa/")
    assert response.status_code == 403
    assert "Back to the Administration application" in links_back(response.content.decode())


def test_a_user_who_is_no_agent_is_refused_with_a_way_home(client: Client, alice) -> None:
    give_factor(alice)
    sign_in_as(client, alice)
    response = client.get("/administration/firms/")
    page = response.content.decode()
    assert response.status_code == 403 and "support staff only" in page
    assert links_back(page) == {"Go to the home page": "/"}
    assert 'class="breadcrumbs"' not in page  # not the Administration application's page


def test_destructive_actions_look_destructive(client: Client, signed_in_agent, alice) -> None:
    give_factor(alice)
    signed_in_agent(2)
    northwind = Firm.objects.get(name="Northwind Partners")
    user_page = client.get(f"/administration/users/{alice.public_id}/security/").content.decode()
    assert '<a class="button danger" href="/administration/users/' in user_page
    assert ">Reset MFA</a>" in user_page and ">Disable this user</a>" in user_page
    reset = client.get(f"/administration/users/{alice.public_id}/reset-mfa/").content.decode()
    assert '<button type="submit" class="danger">Reset MFA</button>' in reset
    disable = client.get(f"/administration/users/{alice.public_id}/disable/").content.decode()
    assert '<button type="submit" class="danger">Disable this user</button>' in disable
    sso = client.get(f"/administration/firms/{northwind.pk}/sso/").content.decode()
    assert f'<a class="button danger" href="/administration/firms/{northwind.pk}/sso/practitioners/disable/">' in sso
    sso_confirm = client.get(f"/administration/firms/{northwind.pk}/sso/practitioners/disable/").content.decode()
    assert '<button type="submit" class="danger">Confirm</button>' in sso_confirm


def test_deleting_an_application_and_regenerating_its_secret_look_destructive(
    client: Client, signed_in_agent, demo
) -> None:
    from oauth2_provider.models import Application

    app = Application.objects.get(client_id="documents-demo")
    signed_in_agent(2)
    detail = client.get(f"/administration/applications/{app.pk}/").content.decode()
    assert f'<a class="button danger" href="/administration/applications/{app.pk}/delete/">Delete</a>' in detail
    assert f'<a class="button danger" href="/administration/applications/{app.pk}/regenerate-secret/">' in detail
    delete = client.get(f"/administration/applications/{app.pk}/delete/").content.decode()
    assert '<button type="submit" class="danger">Delete</button>' in delete
    regenerate = client.get(f"/administration/applications/{app.pk}/regenerate-secret/").content.decode()
    assert '<button type="submit" class="danger">Regenerate client secret</button>' in regenerate
