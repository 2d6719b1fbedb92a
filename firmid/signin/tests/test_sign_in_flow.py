"""Sign-in as the user meets it, through allauth's views and firmid's stages."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from conftest import code_now
from firmid.accounts.models import Role
from firmid.mfa import crypto
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType

LOGIN = "/accounts/login/"
ENROL = "/accounts/security/enrol/"
MFA = "/accounts/2fa/authenticate/"
HOME = "/my-account/"


def set_level(firm, user_type: UserType, level: MfaLevel) -> None:  # noqa: ANN001
    FirmMfaLevel.objects.update_or_create(firm=firm, user_type=user_type.value, defaults={"level": level.value})


def sign_in(client: Client, email: str, password: str):  # noqa: ANN201
    return client.post(LOGIN, {"login": email, "password": password})


def shown_key(response) -> str:  # noqa: ANN001
    return re.search(r'id="totp-key">([A-Z2-7]+)<', response.content.decode()).group(1)


def enrol(client: Client, email: str, password: str) -> str:
    sign_in(client, email, password)
    secret = shown_key(client.get(ENROL))
    response = client.post(ENROL, {"code": code_now(secret)})
    assert response.status_code == 302 and response.url == HOME
    return secret


@pytest.fixture
def alice(make_user):  # noqa: ANN001, ANN201
    return make_user(role=Role.PRACTITIONER, email="alice@example.test")


def test_upon_request_user_without_mfa_goes_straight_in(client, alice, password) -> None:  # noqa: ANN001
    response = sign_in(client, alice.email, password)
    assert response.status_code == 302 and response.url == HOME
    assert client.get(HOME).status_code == 200


def test_mandatory_user_meets_enrolment_without_activate_later(client, alice, password) -> None:  # noqa: ANN001
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    response = sign_in(client, alice.email, password)
    assert response.url == ENROL
    page = client.get(ENROL).content.decode()
    assert "Enhance your account security" in page
    assert "Activate later" not in page
    assert "otpauth://totp/" in page
    assert client.get(HOME).status_code == 302  # not signed in yet


def test_mandatory_user_cannot_skip_enrolment_by_posting_later(client, alice, password) -> None:  # noqa: ANN001
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    sign_in(client, alice.email, password)
    response = client.post(ENROL, {"later": "1"})
    assert response.status_code == 403
    assert client.get(HOME).status_code == 302


def test_enrolment_then_code_at_next_sign_in(client, alice, password, frozen_clock) -> None:  # noqa: ANN001
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    secret = enrol(client, alice.email, password)
    assert client.get(HOME).status_code == 200
    stored = Authenticator.objects.get(user=alice, type="totp").data["secret"]
    assert secret not in stored and crypto.decrypt(stored) == secret
    client.logout()
    frozen_clock.advance(30)
    assert sign_in(client, alice.email, password).url == MFA
    response = client.post(MFA, {"code": code_now(secret)})
    assert response.status_code == 302 and response.url == HOME


def test_suggested_user_may_activate_later(client, alice, password) -> None:  # noqa: ANN001
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.SUGGESTED)
    assert sign_in(client, alice.email, password).url == ENROL
    assert "Activate later" in client.get(ENROL).content.decode()
    response = client.post(ENROL, {"later": "1"})
    assert response.status_code == 302 and response.url == HOME
    assert client.get(HOME).status_code == 200
