"""My account's security section: self-service set-up, replacement and removal, as the policy allows."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from firmid.accounts.models import Role
from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.core import crypto
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import code_now
from firmid.testing.factories import give_factor, set_level
from firmid.testing.signin import HOME, MFA, sign_in

ACTIVATE = "/accounts/2fa/totp/activate/"
DEACTIVATE = "/accounts/2fa/totp/deactivate/"
REPLACE = "/accounts/2fa/totp/replace/"
CODES = "/accounts/2fa/recovery-codes/"
REAUTH_PASSWORD = "/accounts/reauthenticate/"
REAUTH_MFA = "/accounts/2fa/reauthenticate/"
TIMEOUT = 300


@pytest.fixture
def carol(make_user, client, password):
    user = make_user(role=Role.STANDARD_CLIENT, email="carol@example.test")
    sign_in(client, user.email, password)
    return user


@pytest.fixture
def dave(make_user, client, password, frozen_clock):
    """Signed in with his authenticator app's code."""
    user = make_user(role=Role.STANDARD_CLIENT, email="dave@example.test")
    secret = give_factor(user)
    assert sign_in(client, user.email, password, totp_secret=secret).url == HOME
    frozen_clock.advance(30)
    user.secret = secret
    return user


def activate(client) -> str:
    """Set the app up from My account; a first factor shows its recovery codes once, then My account."""
    secret = client.get(ACTIVATE).context["form"].secret
    response = client.post(ACTIVATE, {"code": code_now(secret)})
    assert response.status_code == 302
    if response.url == CODES:
        assert len(client.get(CODES).context["codes"]) == 10
    else:
        assert response.url == HOME
    return secret


@pytest.mark.django_db(transaction=True)  # allauth sends authenticator_added once committed
def test_upon_request_user_sets_mfa_up_right_after_signing_in_without_a_second_password_prompt(client, carol) -> None:
    assert "Not offered" in client.get(HOME).content.decode()
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    assert page.templates[0].origin.name.startswith(str(__import__("django").conf.settings.BASE_DIR))
    activate(client)
    assert Authenticator.objects.filter(user=carol, type="totp").exists()
    home = client.get(HOME).content.decode()
    assert "Configured" in home and "Authenticator app" in home and "Replace" in home
    assert "Recovery codes" in home and "10 of 10 left" in home and "Generate new codes" in home


def test_a_set_up_minutes_after_signing_in_asks_for_the_password_again(client, carol, password, frozen_clock) -> None:
    frozen_clock.advance(TIMEOUT + 1)
    assert client.get(ACTIVATE).url.startswith(REAUTH_PASSWORD)
    client.post(REAUTH_PASSWORD, {"password": password})
    activate(client)


def test_self_service_activation_code_is_spent(client, carol, password, frozen_clock) -> None:
    secret = activate(client)
    client.logout()
    assert sign_in(client, carol.email, password, totp_secret=secret).status_code == 400
    frozen_clock.advance(30)
    assert client.post(MFA, {"code": code_now(secret)}).url == HOME


def test_the_code_of_the_sign_in_is_recent_proof_for_removing_the_factor(client, dave) -> None:
    response = client.post(DEACTIVATE)
    assert response.status_code == 302 and response.url == HOME
    assert not Authenticator.objects.filter(user=dave).exists()
    assert any("deactivated" in m.subject.lower() or "disabled" in m.subject.lower() for m in mail.outbox)


def test_later_removal_needs_the_factor_not_just_the_password(client, dave, password, frozen_clock) -> None:
    frozen_clock.advance(TIMEOUT + 1)
    assert client.post(DEACTIVATE).url.startswith(REAUTH_MFA)
    response = client.post(REAUTH_PASSWORD, {"password": password})
    assert response.status_code == 302 and response.url.startswith(REAUTH_MFA)
    assert client.post(DEACTIVATE).url.startswith(REAUTH_MFA)
    client.post(REAUTH_MFA, {"code": code_now(dave.secret)})
    assert client.post(DEACTIVATE).status_code == 302
    assert not Authenticator.objects.filter(user=dave).exists()


def test_removing_the_last_factor_is_refused_while_forced(client, dave) -> None:
    set_level(dave.firm, UserType.CLIENTS, MfaLevel.MANDATORY)
    assert "cannot be removed" in client.get(HOME).content.decode()
    response = client.post(DEACTIVATE)
    assert response.status_code in (200, 400)
    assert Authenticator.objects.filter(user=dave, type="totp").exists()


def test_replacing_the_app_confirms_the_new_one_before_the_old_one_stops(client, dave, password, frozen_clock) -> None:
    page = client.get(REPLACE)
    new_secret = page.context["secret"]
    assert new_secret != dave.secret
    assert client.post(REPLACE, {"code": code_now(dave.secret)}).status_code == 400  # the old app's code
    row = Authenticator.objects.get(user=dave, type="totp")
    assert crypto.decrypt(row.data["secret"]) == dave.secret  # nothing changed yet
    assert client.post(REPLACE, {"code": code_now(new_secret)}).url == HOME
    row.refresh_from_db()
    assert crypto.decrypt(row.data["secret"]) == new_secret
    assert AuditEvent.objects.filter(action=AuditAction.MFA_FACTOR_REPLACED, subject=dave).count() == 1
    assert any("replaced" in m.subject.lower() for m in mail.outbox)
    client.logout()
    frozen_clock.advance(30)
    assert sign_in(client, dave.email, password, totp_secret=dave.secret).status_code == 400
    frozen_clock.advance(30)
    assert client.post(MFA, {"code": code_now(new_secret)}).url == HOME


def test_replacing_later_needs_a_factor_again(client, dave, frozen_clock) -> None:
    frozen_clock.advance(TIMEOUT + 1)
    assert client.get(REPLACE).url.startswith(REAUTH_MFA)


def test_a_firm_that_allows_only_passkeys_offers_no_authenticator_app(client, carol) -> None:
    set_level(carol.firm, UserType.CLIENTS, MfaLevel.SUGGESTED)
    FirmMfaLevel.objects.filter(firm=carol.firm).update(allowed_methods="webauthn")
    assert ACTIVATE not in client.get(HOME).content.decode()
    assert client.get(ACTIVATE).status_code == 403
    assert client.post(ACTIVATE, {"code": "123456"}).status_code == 403
    assert not Authenticator.objects.filter(user=carol).exists()


def test_a_session_opened_with_a_factor_no_longer_allowed_ends_as_a_forced_users_does(client, dave) -> None:
    FirmMfaLevel.objects.create(firm=dave.firm, user_type=UserType.CLIENTS.value, allowed_methods="webauthn")
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_allauths_list_of_factors_is_my_account(client, carol) -> None:
    response = client.get("/accounts/2fa/")
    assert response.status_code == 302 and response.url == HOME


@pytest.mark.django_db(transaction=True)  # allauth sends authenticator_added once committed
def test_a_first_factor_from_my_account_shows_its_recovery_codes_once(client, carol) -> None:
    secret = client.get(ACTIVATE).context["form"].secret
    assert client.post(ACTIVATE, {"code": code_now(secret)}).url == CODES
    assert len(client.get(CODES).context["codes"]) == 10
    assert not client.get(CODES).context.get("codes")


def test_few_recovery_codes_left_are_pointed_out(client, dave, frozen_clock) -> None:
    from firmid.audit.actions import AuditAction as Purpose
    from firmid.mfa.factors.recovery_codes import flows

    plain = flows.recovery_codes_issue(user=dave, request=None)
    assert "few-recovery-codes" not in client.get(HOME).content.decode()
    for code in plain[:8]:
        used = flows.use_recovery_code(user=dave, raw_code=code, request=None, purpose=Purpose.MFA_SIGN_IN)
        assert used.outcome.value == "accepted"
    page = client.get(HOME).content.decode()
    assert "Only 2 recovery codes left" in page and "2 of 10 left" in page
