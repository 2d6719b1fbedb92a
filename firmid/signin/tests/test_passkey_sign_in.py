"""A passkey or security key as the second factor, and alone where the firm allows it: attacks included."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from firmid.audit.actions import AuditAction, AuditOutcome
from firmid.audit.models import AuditEvent
from firmid.core.seams.allauth import get_authentication_records
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.testing.factories import connect_sso, give_factor
from firmid.testing.signin import ENROL, HOME, LOGIN, MFA, sign_in
from firmid.testing.webauthn import SoftKey, give_passkey

PASSKEY_LOGIN = "/accounts/2fa/webauthn/login/"


def _answer_code_page(client, key: SoftKey, **answer) -> object:
    options = client.get(MFA).context["js_data"]["request_options"]
    return client.post(MFA, {"credential": json.dumps(key.sign(options, **answer))})


def _passkey_sign_in(client, key: SoftKey, **answer) -> object:
    options = client.get(PASSKEY_LOGIN, HTTP_ACCEPT="application/json").json()["request_options"]
    return client.post(PASSKEY_LOGIN, {"credential": json.dumps(key.sign(options, **answer))})


def _allow_passwordless(user, *, kinds: str = "") -> None:
    FirmMfaLevel.objects.update_or_create(
        firm=user.firm,
        user_type=UserType.PRACTITIONERS.value,
        defaults={"level": MfaLevel.UPON_REQUEST.value, "passwordless_passkeys": True, "allowed_methods": kinds},
    )


def _signed_in(client) -> bool:
    return client.get(HOME).status_code == 200


# --- Second factor ------------------------------------------------------------------


def test_a_passkey_answers_the_code_page_and_the_record_names_it(client, alice, password) -> None:
    key = give_passkey(alice)
    assert sign_in(client, alice.email, password).url == MFA
    page = client.get(MFA).content.decode()
    assert "Use a passkey or security key" in page and 'name="code"' not in page
    response = _answer_code_page(client, key)
    assert response.status_code == 302 and response.url == HOME
    row = Authenticator.objects.get(user=alice, type="webauthn")
    records = [r for r in get_authentication_records(_request_of(client), alice) if r["method"] == "mfa"]
    assert [(r["type"], r["id"], r["user_verified"]) for r in records] == [("webauthn", row.pk, True)]
    assert row.last_used_at is not None


def test_a_user_with_an_app_and_a_key_is_offered_both(client, alice, password) -> None:
    give_factor(alice)
    give_passkey(alice)
    sign_in(client, alice.email, password)
    page = client.get(MFA).content.decode()
    assert 'name="code"' in page and "Use a passkey or security key" in page


def test_another_users_key_never_answers_for_this_user(client, alice, make_user, password) -> None:
    give_passkey(alice)
    mallory = make_user()
    mallorys_key = give_passkey(mallory)
    sign_in(client, alice.email, password)
    response = _answer_code_page(client, mallorys_key)
    assert response.status_code == 400
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(
        action=AuditAction.MFA_SIGN_IN, outcome=AuditOutcome.FAILURE, subject=alice, factor_type="webauthn"
    ).exists()
    assert [m.to for m in mail.outbox] == [[alice.email]]  # told that their password was used


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ({"origin": "https://firmid.example.evil"}, "a phishing site's origin"),
        ({"origin": "http://sub.localhost:8000"}, "a subdomain fido2 alone would accept"),
        ({"origin": "http://127.0.0.1:8000"}, "the same server by another name"),
        ({"rp_id": "evil.test"}, "another relying party's key"),
    ],
)
def test_an_answer_for_another_origin_or_rp_id_is_refused(client, alice, password, answer: dict, why: str) -> None:
    key = give_passkey(alice)
    sign_in(client, alice.email, password)
    response = _answer_code_page(client, key, **answer)
    assert response.status_code == 400, why
    assert not _signed_in(client)


def test_a_replayed_answer_is_refused(client, alice, password) -> None:
    key = give_passkey(alice)
    sign_in(client, alice.email, password)
    options = client.get(MFA).context["js_data"]["request_options"]
    answer = json.dumps(key.sign(options))
    client.get(MFA)  # the page shown again: a new challenge
    assert client.post(MFA, {"credential": answer}).status_code == 400
    assert not _signed_in(client)


def test_a_key_the_firm_no_longer_allows_proves_the_person_but_an_allowed_factor_must_be_added(
    client, alice, password
) -> None:
    key = give_passkey(alice)
    FirmMfaLevel.objects.update_or_create(
        firm=alice.firm,
        user_type=UserType.PRACTITIONERS.value,
        defaults={"level": "upon_request", "allowed_methods": "totp"},
    )
    assert sign_in(client, alice.email, password).url == MFA
    response = _answer_code_page(client, key)
    assert response.status_code == 302 and response.url == ENROL
    page = client.get(ENROL).content.decode()
    assert "otpauth://totp/" in page and "data-passkey-create" not in page
    assert not _signed_in(client)


# --- Without a password ----------------------------------------------------------------


def test_a_passkey_alone_signs_in_where_the_firm_allows_it(client, alice) -> None:
    key = give_passkey(alice)
    _allow_passwordless(alice)
    response = _passkey_sign_in(client, key)
    assert response.status_code == 302 and response.url == HOME
    assert _signed_in(client)
    records = get_authentication_records(_request_of(client), alice)
    assert [r["method"] for r in records] == ["mfa"]
    assert records[0]["passwordless"] and records[0]["user_verified"]


def test_a_passkey_alone_is_refused_where_the_firm_does_not_allow_it(client, alice) -> None:
    key = give_passkey(alice)
    response = _passkey_sign_in(client, key)
    assert response.status_code == 302 and response.url == LOGIN
    assert not _signed_in(client)
    refused = AuditEvent.objects.get(action=AuditAction.SIGN_IN, outcome=AuditOutcome.REFUSED, subject=alice)
    assert refused.factor_type == "webauthn" and "does not allow" in refused.detail
    assert "cannot sign in with a passkey alone" in client.get(LOGIN).content.decode()


def test_a_passkey_alone_is_refused_once_the_firm_allows_only_apps(client, alice) -> None:
    key = give_passkey(alice)
    _allow_passwordless(alice, kinds="totp")
    _passkey_sign_in(client, key)
    assert not _signed_in(client)


def test_a_passkey_alone_is_refused_without_user_verification(client, alice) -> None:
    key = give_passkey(alice)
    _allow_passwordless(alice)
    response = _passkey_sign_in(client, key, verified=False)
    assert response.status_code == 302 and response.url == LOGIN
    assert not _signed_in(client)


def test_a_passkey_alone_is_refused_to_a_user_under_sso(client, alice) -> None:
    key = give_passkey(alice)
    _allow_passwordless(alice)
    connect_sso(alice.firm, UserType.PRACTITIONERS)
    _passkey_sign_in(client, key)
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN, outcome=AuditOutcome.REFUSED, subject=alice).exists()


def test_a_key_claiming_another_users_handle_signs_nobody_in(client, alice, make_user) -> None:
    give_passkey(alice)
    _allow_passwordless(alice)
    mallory = make_user(firm=alice.firm)
    mallorys_key = give_passkey(mallory)
    mallorys_key.user_handle = _handle_of(alice)  # "I am Alice", signed with Mallory's key
    _passkey_sign_in(client, mallorys_key)
    assert not _signed_in(client)


def test_a_passkey_alone_from_another_origin_is_refused(client, alice) -> None:
    key = give_passkey(alice)
    _allow_passwordless(alice)
    _passkey_sign_in(client, key, origin="http://sub.localhost:8000")
    assert not _signed_in(client)


def test_a_passkey_sign_in_goes_back_where_the_user_was_going(client, alice) -> None:
    key = give_passkey(alice)
    _allow_passwordless(alice)
    options = client.get(PASSKEY_LOGIN, HTTP_ACCEPT="application/json").json()["request_options"]
    data = {"credential": json.dumps(key.sign(options)), "next": "/my-account/?tab=security"}
    response = client.post(PASSKEY_LOGIN, data)
    assert response.url == "/my-account/?tab=security"


def test_the_sign_in_page_offers_a_passkey_only_where_some_firm_allows_it(client, alice) -> None:
    assert "Sign in with a passkey" not in client.get(LOGIN).content.decode()
    _allow_passwordless(alice)
    assert "Sign in with a passkey" in client.get(LOGIN).content.decode()


def _handle_of(user) -> str:
    from allauth.account.utils import user_pk_to_url_str
    from fido2.utils import websafe_encode

    return websafe_encode(user_pk_to_url_str(user).encode())


def _request_of(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = client.session
    return request


def test_the_sign_in_page_opens_without_the_passkey_button_while_the_database_fails(client, monkeypatch) -> None:
    from django.db import OperationalError

    from firmid.mfa.factors.webauthn import flows

    def down(*args: object, **kwargs: object) -> bool:
        raise OperationalError("server closed the connection unexpectedly")

    flows.forget_passwordless_offered()
    monkeypatch.setattr("django.db.models.query.QuerySet.exists", down)
    assert flows.passwordless_offered() is False
