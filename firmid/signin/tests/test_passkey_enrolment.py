"""Enhance your account security offers the kinds the firm allows, and accepts no other."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.models import Authenticator

from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import code_now
from firmid.testing.signin import ENROL, HOME, LOGIN, sign_in
from firmid.testing.webauthn import SoftKey


def _mandatory(user, kinds: str = "") -> None:
    FirmMfaLevel.objects.update_or_create(
        firm=user.firm,
        user_type=UserType.PRACTITIONERS.value,
        defaults={"level": MfaLevel.MANDATORY.value, "allowed_methods": kinds},
    )


def _create(client, key: SoftKey, *, kind: str = "passkey", name: str = "Phone", **answer) -> object:
    options = client.get(ENROL).context["passkey_options"]["creation_options"]
    return client.post(ENROL, {"kind": kind, "name": name, "credential": json.dumps(key.register(options, **answer))})


def test_both_kinds_are_offered_where_the_firm_allows_every_kind(client, alice, password) -> None:
    _mandatory(alice)
    sign_in(client, alice.email, password)
    page = client.get(ENROL).content.decode()
    assert "otpauth://totp/" in page and "data-passkey-create" in page


def test_a_passkey_set_up_during_sign_in_completes_it(client, alice, password) -> None:
    _mandatory(alice, "webauthn")
    assert sign_in(client, alice.email, password).url == ENROL
    response = _create(client, SoftKey())
    assert response.status_code == 302 and response.url not in (ENROL, LOGIN)
    row = Authenticator.objects.get(user=alice, type="webauthn")
    assert row.data["name"] == "Phone"
    assert AuditEvent.objects.filter(
        action=AuditAction.MFA_FACTOR_ADDED, subject=alice, factor_type="webauthn"
    ).exists()
    client.get(response.url)  # any page the sign-in still shows (recovery codes, say)
    assert client.get(HOME).status_code in (200, 302)


def test_a_passkey_only_firm_shows_and_accepts_no_authenticator_app(client, alice, password, frozen_clock) -> None:
    _mandatory(alice, "webauthn")
    sign_in(client, alice.email, password)
    page = client.get(ENROL).content.decode()
    assert "otpauth://totp/" not in page and "data-passkey-create" in page
    response = client.post(ENROL, {"code": "123456"})
    assert response.status_code == 403
    assert not Authenticator.objects.filter(user=alice).exists()


def test_an_app_only_firm_refuses_a_passkey(client, alice, password) -> None:
    _mandatory(alice, "totp")
    sign_in(client, alice.email, password)
    page = client.get(ENROL)
    assert "data-passkey-create" not in page.content.decode()
    options = {"publicKey": {"user": {"id": "MQ"}, "challenge": "AAAAAAAAAAAAAAAAAAAAAA"}}
    response = client.post(ENROL, {"kind": "passkey", "credential": json.dumps(SoftKey().register(options))})
    assert response.status_code == 403
    assert not Authenticator.objects.filter(user=alice).exists()


@pytest.mark.parametrize(
    ("answer", "kind", "why"),
    [
        ({"origin": "https://firmid.example.evil"}, "passkey", "a phishing site's origin"),
        ({"rp_id": "evil.test"}, "passkey", "a key made for another relying party"),
        ({"verified": False}, "passkey", "a passkey that did not verify its user"),
    ],
)
def test_a_bad_new_key_is_refused(client, alice, password, answer: dict, kind: str, why: str) -> None:
    _mandatory(alice, "webauthn")
    sign_in(client, alice.email, password)
    response = _create(client, SoftKey(), kind=kind, **answer)
    assert response.status_code == 400, why
    assert not Authenticator.objects.filter(user=alice).exists()


def test_a_security_key_need_not_verify_its_user(client, alice, password) -> None:
    _mandatory(alice, "webauthn")
    sign_in(client, alice.email, password)
    response = _create(client, SoftKey(), kind="security_key", verified=False)
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=alice, type="webauthn").exists()


def test_a_new_key_cannot_be_posted_without_a_pending_sign_in(client, alice) -> None:
    _mandatory(alice, "webauthn")
    options = {"publicKey": {"user": {"id": "MQ"}, "challenge": "AAAAAAAAAAAAAAAAAAAAAA"}}
    response = client.post(ENROL, {"kind": "passkey", "credential": json.dumps(SoftKey().register(options))})
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert not Authenticator.objects.filter(user=alice).exists()


def test_a_totp_code_still_sets_the_app_up_where_allowed(client, alice, password, frozen_clock) -> None:
    _mandatory(alice)
    sign_in(client, alice.email, password)
    page = client.get(ENROL)
    response = client.post(ENROL, {"code": code_now(page.context["secret"])})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=alice, type="totp").exists()


def test_a_rollout_not_reached_yet_tells_its_date_on_the_page(client, alice, password) -> None:
    from datetime import timedelta

    from firmid.core import clock

    FirmMfaLevel.objects.update_or_create(
        firm=alice.firm,
        user_type=UserType.PRACTITIONERS.value,
        defaults={"level": MfaLevel.MANDATORY.value, "mandatory_from": clock.now() + timedelta(days=10)},
    )
    sign_in(client, alice.email, password)
    page = client.get(ENROL).content.decode()
    assert "Activate later" in page and "requires multi-factor authentication from" in page


def test_a_passkey_set_up_for_an_application_that_requires_mfa_counts_as_the_step_up(client, alice, password) -> None:
    from firmid.core.seams.allauth import get_authentication_records

    step_up = "/accounts/security/step-up/?next=/my-account/"
    sign_in(client, alice.email, password)
    options = client.get(step_up).context["passkey_options"]["creation_options"]
    credential = json.dumps(SoftKey().register(options))
    response = client.post(step_up, {"kind": "passkey", "name": "Laptop", "credential": credential})
    assert response.status_code == 302 and response.url == HOME
    row = Authenticator.objects.get(user=alice, type="webauthn")
    request = type("Request", (), {"session": client.session})()
    assert any(r.get("id") == row.pk for r in get_authentication_records(request, alice))
