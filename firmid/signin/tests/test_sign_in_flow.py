"""Sign-in as the user meets it, through allauth's views and firmid's stages."""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from firmid.core import crypto
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import code_now
from firmid.testing.factories import set_level
from firmid.testing.signin import ENROL, HOME, MFA, enrol, sign_in


def test_upon_request_user_without_mfa_goes_straight_in(client, alice, password) -> None:
    response = sign_in(client, alice.email, password)
    assert response.status_code == 302 and response.url == HOME
    assert client.get(HOME).status_code == 200


def test_mandatory_user_meets_enrolment_without_activate_later(client, alice, password) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    response = sign_in(client, alice.email, password)
    assert response.url == ENROL
    page = client.get(ENROL).content.decode()
    assert "Enhance your account security" in page
    assert "Activate later" not in page
    assert "otpauth://totp/" in page
    assert client.get(HOME).status_code == 302  # not signed in yet


def test_mandatory_user_cannot_skip_enrolment_by_posting_later(client, alice, password) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    sign_in(client, alice.email, password)
    response = client.post(ENROL, {"later": "1"})
    assert response.status_code == 403
    assert client.get(HOME).status_code == 302


def test_enrolment_then_code_at_next_sign_in(client, alice, password, frozen_clock) -> None:
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


def test_suggested_user_may_activate_later(client, alice, password) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.SUGGESTED)
    assert sign_in(client, alice.email, password).url == ENROL
    assert "Activate later" in client.get(ENROL).content.decode()
    response = client.post(ENROL, {"later": "1"})
    assert response.status_code == 302 and response.url == HOME
    assert client.get(HOME).status_code == 200
