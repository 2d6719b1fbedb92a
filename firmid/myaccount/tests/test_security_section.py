"""My account's security section: self-service set-up and removal, as the policy allows."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from firmid.accounts.models import Role
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import code_now
from firmid.testing.factories import set_level
from firmid.testing.signin import HOME, MFA, sign_in

ACTIVATE = "/accounts/2fa/totp/activate/"
DEACTIVATE = "/accounts/2fa/totp/deactivate/"
REAUTH_PASSWORD = "/accounts/reauthenticate/"
REAUTH_MFA = "/accounts/2fa/reauthenticate/"


@pytest.fixture
def carol(make_user, client, password):
    user = make_user(role=Role.STANDARD_CLIENT, email="carol@example.test")
    sign_in(client, user.email, password)
    return user


def activate(client, password: str = "demo-password") -> str:
    assert client.get(ACTIVATE).url.startswith(REAUTH_PASSWORD)
    client.post(REAUTH_PASSWORD, {"password": password})
    secret = client.get(ACTIVATE).context["form"].secret
    response = client.post(ACTIVATE, {"code": code_now(secret)})
    assert response.status_code == 302
    return secret


def test_upon_request_user_sets_mfa_up_from_my_account(client, carol) -> None:
    assert "Not offered" in client.get(HOME).content.decode()
    activate(client)
    assert Authenticator.objects.filter(user=carol, type="totp").exists()
    assert "Configured" in client.get(HOME).content.decode()


def test_self_service_activation_code_is_spent(client, carol, password, frozen_clock) -> None:
    secret = activate(client)
    client.logout()
    assert sign_in(client, carol.email, password, totp_secret=secret).status_code == 400
    frozen_clock.advance(30)
    assert client.post(MFA, {"code": code_now(secret)}).url == HOME


def test_removing_a_factor_needs_the_factor_not_just_the_password(client, carol, password, frozen_clock) -> None:
    secret = activate(client)
    frozen_clock.advance(30)
    session = client.session  # forget the recent re-authentication of the set-up
    session["account_authentication_methods"] = []
    session.save()
    assert client.post(DEACTIVATE).url.startswith(REAUTH_MFA)
    response = client.post(REAUTH_PASSWORD, {"password": password})
    assert response.status_code == 302 and response.url.startswith(REAUTH_MFA)
    assert client.post(DEACTIVATE).url.startswith(REAUTH_MFA)
    client.post(REAUTH_MFA, {"code": code_now(secret)})
    assert client.post(DEACTIVATE).status_code == 302
    assert not Authenticator.objects.filter(user=carol).exists()


def test_upon_request_user_may_remove_their_factor(client, carol, frozen_clock) -> None:
    secret = activate(client)
    assert "Remove the authenticator app" in client.get(HOME).content.decode()
    frozen_clock.advance(30)
    client.post(REAUTH_MFA, {"code": code_now(secret)})
    response = client.post(DEACTIVATE)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=carol).exists()
    assert any("deactivated" in m.subject.lower() or "disabled" in m.subject.lower() for m in mail.outbox)


def test_factor_removal_is_refused_when_the_firm_makes_mfa_mandatory(client, carol, frozen_clock) -> None:
    secret = activate(client)
    set_level(carol.firm, UserType.CLIENTS, MfaLevel.MANDATORY)
    frozen_clock.advance(30)
    client.post(REAUTH_MFA, {"code": code_now(secret)})
    response = client.post(DEACTIVATE)
    assert response.status_code in (200, 400)
    assert Authenticator.objects.filter(user=carol, type="totp").exists()
