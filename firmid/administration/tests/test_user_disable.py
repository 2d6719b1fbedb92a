"""Disabling and enabling a user: their sessions and tokens end, and it is audited."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.demo.data import DEMO_RP_CLIENT_ID
from firmid.testing.administration import user_url
from firmid.testing.oidc import demo_rp_tokens
from firmid.testing.signin import sign_in, sign_in_as
from firmid.testing.state import mfa_state

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
ALICE = "alice@demo-accounting.test"


def enable_url(user: User) -> str:
    return f"/administration/users/{user.public_id}/enable/"


@pytest.fixture
def alice(demo) -> User:
    return User.objects.get(email=ALICE)


def refresh(tokens: dict) -> int:
    return (
        Client()
        .post(
            "/oauth/token/",
            {
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                "client_id": DEMO_RP_CLIENT_ID,
                "client_secret": settings.FIRMID_DEMO_RP_SECRET,
            },
        )
        .status_code
    )


@pytest.mark.parametrize("level", [2, 3])
def test_login_tab_offers_disable_to_level_2_and_3(client: Client, signed_in_agent, alice, level: int) -> None:
    signed_in_agent(level)
    page = client.get(user_url(alice, "security")).content.decode()
    assert f'<a class="button danger" href="{user_url(alice, "disable")}">Disable this user</a>' in page
    assert "Enable this user" not in page and 'id="account-disabled"' not in page


def test_level_1_sees_no_account_action(client: Client, signed_in_agent, alice) -> None:
    signed_in_agent(1)
    page = client.get(user_url(alice, "security")).content.decode()
    assert "Disable this user" not in page and "Enable this user" not in page


def test_disabling_ends_sessions_revokes_tokens_and_is_audited(
    client: Client, signed_in_agent, alice, password
) -> None:
    tokens = demo_rp_tokens(ALICE, password)
    browser = Client()
    sign_in_as(browser, alice)
    assert browser.get("/my-account/").status_code == 200
    agent = signed_in_agent(2)
    confirm = client.get(user_url(alice, "disable"))
    assert confirm.status_code == 200 and "<h1>Confirm</h1>" in confirm.content.decode()
    assert User.objects.get(pk=alice.pk).is_active  # the Confirm step changed nothing
    response = client.post(user_url(alice, "disable"))
    assert response.status_code == 302 and response.url == user_url(alice, "security")
    assert not User.objects.get(pk=alice.pk).is_active
    # Signed out at the next request.
    response = browser.get("/my-account/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    # Tokens: no live refresh token, no access token; the application's calls are refused.
    assert not RefreshToken.objects.filter(user=alice, revoked__isnull=True).exists()
    assert not AccessToken.objects.filter(user=alice).exists()
    assert Client().get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 401
    assert refresh(tokens) == 400
    event = AuditEvent.objects.get(action="user_disabled")
    assert (event.actor, event.subject, event.old_value, event.new_value) == (agent, alice, "True", "False")
    page = client.get(user_url(alice, "security")).content.decode()
    assert 'id="account-disabled"' in page and "<strong>Disabled</strong>" in page
    assert "Enable this user" in page and "Disable this user" not in page
    listed = client.get("/administration/practitioners/").content.decode()
    assert (
        '<span class="status status--disabled"><span class="symbol" aria-hidden="true">⊘</span>Disabled</span>'
        in listed
    )


def test_a_disabled_user_cannot_sign_in_until_enabled(client: Client, signed_in_agent, alice, password) -> None:
    signed_in_agent(3)
    client.post(user_url(alice, "disable"))
    browser = Client()
    sign_in(browser, ALICE, password)
    assert browser.get("/my-account/").status_code == 302
    response = client.post(enable_url(alice))
    assert response.status_code == 302 and User.objects.get(pk=alice.pk).is_active
    assert AuditEvent.objects.filter(action="user_enabled", subject=alice).exists()
    response = sign_in(browser, ALICE, password)
    assert response.status_code == 302 and browser.get("/my-account/").status_code == 200


def test_level_1_forged_posts_are_refused_and_change_nothing(client: Client, signed_in_agent, alice) -> None:
    signed_in_agent(1)
    before = (mfa_state(), list(User.objects.values_list("pk", "is_active")))
    assert client.post(user_url(alice, "disable")).status_code == 403
    assert client.get(user_url(alice, "disable")).status_code == 403
    assert client.post(enable_url(alice)).status_code == 403
    assert (mfa_state(), list(User.objects.values_list("pk", "is_active"))) == before


def test_enable_is_a_post_only_action(client: Client, signed_in_agent, alice) -> None:
    signed_in_agent(2)
    assert client.get(enable_url(alice)).status_code == 405
