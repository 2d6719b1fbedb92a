"""Passkeys set up, renamed and removed from My account: each change with its audit row, as the firm allows."""

from __future__ import annotations

import json

from allauth.mfa.models import Authenticator

from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.testing.factories import set_level
from firmid.testing.signin import HOME, sign_in, sign_in_as
from firmid.testing.webauthn import SoftKey, give_passkey, sign_in_with_key

ADD = "/accounts/2fa/webauthn/add/"


def _remove_url(row: Authenticator) -> str:
    return f"/accounts/2fa/webauthn/keys/{row.pk}/remove/"


def add_key(client, key: SoftKey, *, name: str = "Work laptop", kind: str = "passkey", **answer) -> object:
    response = client.get(ADD)
    assert response.status_code == 200, response.status_code
    credential = key.register(response.context["js_data"]["creation_options"], **answer)
    return client.post(ADD, {"name": name, "kind": kind, "credential": json.dumps(credential)})


def _allow(user, kinds: str, level: MfaLevel = MfaLevel.UPON_REQUEST) -> None:
    FirmMfaLevel.objects.update_or_create(
        firm=user.firm,
        user_type=UserType.PRACTITIONERS.value,
        defaults={"level": level.value, "allowed_methods": kinds},
    )


def test_a_passkey_added_from_my_account_is_stored_with_its_name_and_audited(client, alice, password) -> None:
    sign_in(client, alice.email, password)
    response = add_key(client, SoftKey())
    # A first factor comes with recovery codes, shown once before My account.
    assert response.status_code == 302 and response.url == "/accounts/2fa/recovery-codes/"
    assert len(client.get(response.url).context["codes"]) == 10
    row = Authenticator.objects.get(user=alice, type="webauthn")
    assert row.data["name"] == "Work laptop"
    added = AuditEvent.objects.filter(action=AuditAction.MFA_FACTOR_ADDED, subject=alice, factor_type="webauthn")
    assert added.count() == 1


def test_a_second_key_may_be_added(client, alice, password) -> None:
    key = give_passkey(alice, name="Phone")
    sign_in_with_key(client, alice.email, password, key)
    response = add_key(client, SoftKey(), name="Spare key", kind="security_key", verified=False)
    assert response.status_code == 302
    assert sorted(r.data["name"] for r in Authenticator.objects.filter(user=alice, type="webauthn")) == [
        "Phone",
        "Spare key",
    ]


def test_a_passkey_that_did_not_verify_its_user_is_refused(client, alice, password) -> None:
    sign_in(client, alice.email, password)
    response = add_key(client, SoftKey(), verified=False)
    assert response.status_code == 400
    assert not Authenticator.objects.filter(user=alice).exists()


def test_a_key_made_on_another_origin_or_for_another_rp_is_refused(client, alice, password) -> None:
    sign_in(client, alice.email, password)
    assert add_key(client, SoftKey(), origin="https://firmid.example.evil").status_code == 400
    assert add_key(client, SoftKey(), rp_id="evil.test").status_code == 400
    assert not Authenticator.objects.filter(user=alice).exists()


def test_the_ceremony_names_the_configured_rp_whatever_the_host(client, alice, password, settings) -> None:
    settings.FIRMID_WEBAUTHN_RP_ID = "id.example.test"
    sign_in(client, alice.email, password)
    options = client.get(ADD, HTTP_HOST="localhost").context["js_data"]["creation_options"]
    assert options["publicKey"]["rp"]["id"] == "id.example.test"


def test_adding_a_key_is_refused_where_the_firm_allows_only_apps(client, alice, password) -> None:
    _allow(alice, "totp")
    sign_in(client, alice.email, password)
    assert client.get(ADD).status_code == 403
    options = {"publicKey": {"user": {"id": "MQ"}, "challenge": "AAAAAAAAAAAAAAAAAAAAAA"}}
    response = client.post(ADD, {"kind": "passkey", "credential": json.dumps(SoftKey().register(options))})
    assert response.status_code == 403
    assert not Authenticator.objects.filter(user=alice).exists()


def test_adding_a_key_long_after_signing_in_asks_to_reauthenticate(client, alice, password, settings) -> None:
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    sign_in_as(client, alice)
    response = client.get(ADD)
    assert response.status_code == 302 and "reauthenticate" in response.url


def test_a_key_removed_from_my_account_is_audited(client, alice, password) -> None:
    key = give_passkey(alice)
    row = Authenticator.objects.get(user=alice, type="webauthn")
    sign_in_with_key(client, alice.email, password, key)
    page = client.get(_remove_url(row))
    assert page.status_code == 200 and "Test key" in page.content.decode()
    response = client.post(_remove_url(row))
    assert response.status_code == 302 and response.url == HOME
    assert not Authenticator.objects.filter(pk=row.pk).exists()
    removed = AuditEvent.objects.filter(action=AuditAction.MFA_FACTOR_REMOVED, subject=alice, factor_type="webauthn")
    assert removed.count() == 1


def test_the_last_key_of_a_forced_user_cannot_be_removed(client, alice, password) -> None:
    key = give_passkey(alice)
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    row = Authenticator.objects.get(user=alice, type="webauthn")
    sign_in_with_key(client, alice.email, password, key)
    response = client.post(_remove_url(row))
    assert response.status_code == 409
    assert Authenticator.objects.filter(pk=row.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.MFA_FACTOR_REMOVED, subject=alice).exists()


def test_another_users_key_cannot_be_removed_or_renamed(client, alice, make_user, password) -> None:
    bob = make_user()
    give_passkey(bob)
    row = Authenticator.objects.get(user=bob, type="webauthn")
    sign_in(client, alice.email, password)  # just signed in: no second prompt
    assert client.post(_remove_url(row)).status_code == 404
    assert client.post(f"/accounts/2fa/webauthn/keys/{row.pk}/edit/", {"name": "mine"}).status_code == 404
    assert Authenticator.objects.get(pk=row.pk).data["name"] == "Test key"


def test_a_key_is_renamed(client, alice, password) -> None:
    key = give_passkey(alice)
    row = Authenticator.objects.get(user=alice, type="webauthn")
    sign_in_with_key(client, alice.email, password, key)
    response = client.post(f"/accounts/2fa/webauthn/keys/{row.pk}/edit/", {"name": "Blue key"})
    assert response.status_code == 302 and response.url == HOME
    assert Authenticator.objects.get(pk=row.pk).data["name"] == "Blue key"
