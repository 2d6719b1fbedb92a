"""A software authenticator for the tests: makes the WebAuthn answers a browser would post, signed with its own key.

Each answer is built from the options firmid gave (its challenge) and names the origin and RP
id the test chooses, so that the tests can play a phishing site, another RP, or another user's key.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from allauth.account.utils import user_pk_to_url_str
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.http import HttpResponse
from django.test import Client
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData

from firmid.accounts.models import User
from firmid.core.seams.allauth import WebAuthn
from firmid.testing.signin import MFA, sign_in

ORIGIN = "http://localhost:8000"  # config/settings/test.py's FIRMID_WEBAUTHN_ORIGINS
RP_ID = "localhost"
_FLAGS = AuthenticatorData.FLAG


@dataclass
class SoftKey:
    """One credential on a software authenticator; `user_handle` is set when it is registered."""

    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    user_handle: str = ""
    counter: int = 0

    def register(
        self, options: dict, *, origin: str = ORIGIN, rp_id: str = RP_ID, verified: bool = True
    ) -> dict[str, Any]:
        """Answer creation options (allauth's `creation_options`) as navigator.credentials.create would."""
        public = options["publicKey"]
        self.user_handle = public["user"]["id"]
        cose = ES256.from_cryptography_key(self.private_key.public_key())
        attested = AttestedCredentialData.create(b"\0" * 16, self.credential_id, cose)
        flags = _FLAGS.UP | _FLAGS.AT | (_FLAGS.UV if verified else 0)
        auth_data = AuthenticatorData.create(_hash(rp_id), flags, self.counter, attested)
        client_data = _client_data("webauthn.create", public["challenge"], origin)
        attestation = AttestationObject.create("none", auth_data, {})
        return {
            "type": "public-key",
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "attestationObject": websafe_encode(bytes(attestation)),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def sign(self, options: dict, *, origin: str = ORIGIN, rp_id: str = RP_ID, verified: bool = True) -> dict[str, Any]:
        """Answer request options (allauth's `request_options`) as navigator.credentials.get would."""
        self.counter += 1
        flags = _FLAGS.UP | (_FLAGS.UV if verified else 0)
        auth_data = AuthenticatorData.create(_hash(rp_id), flags, self.counter)
        client_data = _client_data("webauthn.get", options["publicKey"]["challenge"], origin)
        signature = self.private_key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "type": "public-key",
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "authenticatorData": websafe_encode(bytes(auth_data)),
                "signature": websafe_encode(signature),
                "userHandle": self.user_handle or None,
            },
            "clientExtensionResults": {},
        }


def _hash(rp_id: str) -> bytes:
    return hashlib.sha256(rp_id.encode()).digest()


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()


def give_passkey(user: User, key: SoftKey | None = None, *, name: str = "Test key") -> SoftKey:
    """Store a key for `user` as allauth's set-up would (its registration is not re-checked once stored)."""
    key = key or SoftKey()
    options = {
        "publicKey": {
            "user": {"id": websafe_encode(user_pk_to_url_str(user).encode())},
            "challenge": websafe_encode(os.urandom(32)),
        }
    }
    WebAuthn.add(user, name, key.register(options))
    return key


def sign_in_with_key(client: Client, email: str, password: str, key: SoftKey) -> HttpResponse:
    """Sign in with the password, then answer the code page with `key`; return the last response."""
    sign_in(client, email, password)
    options = client.get(MFA).context["js_data"]["request_options"]
    return client.post(MFA, {"credential": json.dumps(key.sign(options))})
