"""A malformed WebAuthn answer is a 4xx with a message, never a 500, wherever it is posted."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.models import Authenticator

from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.testing.signin import ENROL, LOGIN, MFA, sign_in
from firmid.testing.webauthn import give_passkey

PASSKEY_LOGIN = "/accounts/2fa/webauthn/login/"
ADD = "/accounts/2fa/webauthn/add/"
CLIENT_DATA = "eyJvcmlnaW4iOiJodHRwOi8vbG9jYWxob3N0OjgwMDAifQ"  # {"origin":"http://localhost:8000"}
MALFORMED = [
    json.dumps(
        {
            "id": "AA",
            "rawId": "AA",
            "type": "public-key",
            "response": {"clientDataJSON": CLIENT_DATA, "attestationObject": "_____-", "authenticatorData": "____"},
        }
    ),
    "not json",
    "[]",
    '"a string"',
    "{}",
    json.dumps({"response": {}}),
    json.dumps({"id": "x", "rawId": "x", "type": "public-key", "response": {"clientDataJSON": CLIENT_DATA}}),
    json.dumps({"id": "x", "rawId": "!!", "type": "public-key", "response": {"clientDataJSON": "!!"}}),
    json.dumps({"id": 1, "rawId": 2, "type": 3, "response": {"clientDataJSON": 4, "attestationObject": 5}}),
    json.dumps(
        {
            "id": "AA",
            "rawId": "AA",
            "type": "public-key",
            "response": {
                "clientDataJSON": CLIENT_DATA,
                "authenticatorData": "AA",
                "signature": "AA",
                "attestationObject": "AA",
                "userHandle": "AA",
            },
        }
    ),
]


@pytest.mark.parametrize("credential", MALFORMED)
def test_on_the_code_page(client, alice, password, credential: str) -> None:
    give_passkey(alice)
    sign_in(client, alice.email, password)
    client.get(MFA)
    assert client.post(MFA, {"credential": credential}).status_code == 400


@pytest.mark.parametrize("credential", MALFORMED)
def test_on_the_passkey_sign_in(client, alice, credential: str) -> None:
    client.get(PASSKEY_LOGIN, HTTP_ACCEPT="application/json")
    response = client.post(PASSKEY_LOGIN, {"credential": credential})
    assert response.status_code == 302 and response.url == LOGIN


@pytest.mark.parametrize("credential", MALFORMED)
def test_on_the_set_up_page(client, alice, password, credential: str) -> None:
    FirmMfaLevel.objects.update_or_create(
        firm=alice.firm, user_type=UserType.PRACTITIONERS.value, defaults={"level": MfaLevel.MANDATORY.value}
    )
    sign_in(client, alice.email, password)
    client.get(ENROL)
    assert client.post(ENROL, {"kind": "passkey", "credential": credential}).status_code == 400
    assert not Authenticator.objects.filter(user=alice).exists()


@pytest.mark.parametrize("credential", MALFORMED)
def test_on_my_accounts_add_page(client, alice, password, credential: str) -> None:
    sign_in(client, alice.email, password)
    client.get(ADD)
    assert client.post(ADD, {"kind": "passkey", "credential": credential}).status_code == 400
