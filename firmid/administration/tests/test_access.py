"""Who gets in: support agents only; everyone else is sent to sign in or refused."""

from __future__ import annotations

import pytest
from django.test import Client
from oauth2_provider.models import get_application_model

from firmid.accounts.models import User
from firmid.demo.data import DEMO_RP_CLIENT_ID
from firmid.tenancy.models import Firm
from firmid.testing.signin import sign_in_as
from firmid.testing.state import mfa_state

Application = get_application_model()

STAFF_ONLY = "The Administration application is for support staff only."
# Pages that are an action's Confirm step or form: level 1 is refused them.
ACTION_PAGES = ("/reset-mfa/", "/deactivate-mfa/", "/disable/", "/new/", "/edit/", "/regenerate-secret/", "/delete/")
# Downloads, not pages: no left-hand bar.
DOWNLOADS = ("/csv/",)


def application_url() -> str:
    return f"/administration/applications/{Application.objects.get(client_id=DEMO_RP_CLIENT_ID).pk}/"


def page_urls(firm: Firm, user: User) -> list[str]:
    return [
        "/administration/",
        "/administration/firms/",
        f"/administration/firms/{firm.pk}/security/",
        f"/administration/firms/{firm.pk}/audit/",
        f"/administration/firms/{firm.pk}/mfa-coverage/",
        f"/administration/firms/{firm.pk}/mfa-coverage/csv/",
        "/administration/mfa-coverage/",
        "/administration/mfa-coverage/csv/",
        "/administration/practitioners/",
        "/administration/client-users/",
        f"/administration/users/{user.public_id}/security/",
        f"/administration/users/{user.public_id}/activate-mfa/",
        f"/administration/users/{user.public_id}/deactivate-mfa/",
        f"/administration/users/{user.public_id}/reset-mfa/",
        f"/administration/users/{user.public_id}/disable/",
        f"/administration/users/{user.public_id}/enable/",
        "/administration/applications/",
        "/administration/applications/new/",
        application_url(),
        f"{application_url()}edit/",
        f"{application_url()}regenerate-secret/",
        f"{application_url()}delete/",
    ]


def post_urls(firm: Firm, user: User) -> list[str]:
    return [
        f"/administration/firms/{firm.pk}/security/",
        f"/administration/users/{user.public_id}/activate-mfa/",
        f"/administration/users/{user.public_id}/deactivate-mfa/",
        f"/administration/users/{user.public_id}/reset-mfa/",
        f"/administration/users/{user.public_id}/disable/",
        f"/administration/users/{user.public_id}/enable/",
        "/administration/applications/new/",
        f"{application_url()}edit/",
        f"{application_url()}regenerate-secret/",
        f"{application_url()}delete/",
    ]


@pytest.fixture
def alice(demo) -> User:
    return User.objects.get(email="alice@demo-accounting.test")


def test_anonymous_visitor_is_sent_to_sign_in_from_every_page(client: Client, demo_firm, alice) -> None:
    for url in page_urls(demo_firm, alice):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/?next=/administration/"), url


def test_anonymous_post_is_sent_to_sign_in_and_changes_nothing(client: Client, demo_firm, alice) -> None:
    before = mfa_state()
    for url in post_urls(demo_firm, alice):
        response = client.post(url, {"level_practitioners": "mandatory"})
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url
    assert mfa_state() == before


def test_firm_user_is_refused_every_page(client: Client, demo_firm, alice) -> None:
    sign_in_as(client, alice)
    for url in page_urls(demo_firm, alice):
        response = client.get(url)
        assert response.status_code == 403, url
        assert STAFF_ONLY in response.content.decode(), url
        assert 'aria-label="Administration"' not in response.content.decode()


def test_firm_user_forged_post_is_refused_and_changes_nothing(client: Client, demo_firm, alice) -> None:
    sign_in_as(client, alice)
    before = mfa_state()
    for url in post_urls(demo_firm, alice):
        response = client.post(url, {"level_practitioners": "mandatory", "confirmed": "1"})
        assert response.status_code == 403, url
        assert STAFF_ONLY in response.content.decode()
    assert mfa_state() == before


@pytest.mark.parametrize("level", [1, 2, 3])
def test_agents_of_every_level_are_let_in(client: Client, signed_in_agent, level: int, db) -> None:
    signed_in_agent(level)
    response = client.get("/administration/")
    assert response.status_code == 302 and response.url == "/administration/firms/"
    page = client.get("/administration/firms/").content.decode()
    assert '<nav class="side" id="side-nav" aria-label="Administration">' in page
    assert '<a href="/administration/firms/" class="active">Accounting firm</a>' in page
    assert '<a href="/administration/practitioners/">Practitioners</a>' in page
    assert '<a href="/administration/client-users/">Client users</a>' in page
    assert '<a href="/administration/mfa-coverage/">MFA coverage</a>' in page


def test_cross_site_post_without_csrf_token_is_refused(signed_in_agent, demo_firm) -> None:
    agent = signed_in_agent(2)
    browser = Client(enforce_csrf_checks=True)
    sign_in_as(browser, agent)
    before = mfa_state()
    response = browser.post(f"/administration/firms/{demo_firm.pk}/security/", {"level_practitioners": "mandatory"})
    assert response.status_code == 403
    assert mfa_state() == before


def test_get_never_changes_anything(client: Client, signed_in_agent, demo_firm, alice) -> None:
    signed_in_agent(3)
    before = mfa_state()
    client.get(f"/administration/firms/{demo_firm.pk}/security/?level_practitioners=mandatory&confirmed=1")
    assert client.get(f"/administration/users/{alice.public_id}/activate-mfa/").status_code == 405
    assert client.get(f"/administration/users/{alice.public_id}/reset-mfa/").status_code == 200
    assert mfa_state() == before


@pytest.mark.parametrize("level", [1, 2])
def test_every_page_renders_for_agents(client: Client, signed_in_agent, demo_firm, alice, level: int) -> None:
    signed_in_agent(level)
    northwind = Firm.objects.get(name="Northwind Partners")
    erin = User.objects.get(email="erin@northwind.test")
    views = [*page_urls(demo_firm, alice), *page_urls(northwind, erin)]
    for url in views:
        if url.endswith(("/activate-mfa/", "/enable/")) or (url.endswith(ACTION_PAGES) and level == 1):
            continue  # an action, not a page (see the forged-POST tests)
        if url.endswith("/deactivate-mfa/"):
            continue  # its Confirm page exists for an individually activated user only (test_user_activation)
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        if url.endswith(DOWNLOADS):
            assert response["Content-Type"].startswith("text/csv"), url
            continue
        page = response.content.decode()
        assert '<nav class="side" id="side-nav" aria-label="Administration">' in page, url
        # Where the page sits, and one title.
        assert page.count('<nav class="breadcrumbs" aria-label="Breadcrumb">') == 1, url
        assert page.count('aria-current="page"') >= 1 and page.count("<h1>") == 1, url
