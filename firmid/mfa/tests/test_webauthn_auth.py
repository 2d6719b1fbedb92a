"""What firmid checks of a WebAuthn answer beyond fido2: the exact origin, and the relying party from settings."""

from __future__ import annotations

import json

import pytest
from fido2.utils import websafe_encode

from firmid.mfa.app_settings import mfa_settings
from firmid.mfa.factors.webauthn import auth


def _answer(client_data: object) -> dict:
    raw = client_data if isinstance(client_data, bytes) else json.dumps(client_data).encode()
    return {"response": {"clientDataJSON": websafe_encode(raw)}}


@pytest.mark.parametrize(
    ("credential", "origin"),
    [
        (_answer({"type": "webauthn.get", "origin": "http://localhost:8000"}), "http://localhost:8000"),
        (_answer({"origin": "http://localhost:8000", "crossOrigin": True}), None),  # inside another site's frame
        (_answer({"origin": 8000}), None),
        (_answer({}), None),
        (_answer(b"not json"), None),
        (_answer([1, 2]), None),
        ({"response": {}}, None),
        ({"response": {"clientDataJSON": "%%%"}}, None),
        ("a string", None),
        (None, None),
    ],
)
def test_client_origin_is_read_strictly(credential: object, origin: str | None) -> None:
    assert auth.client_origin(credential) == origin


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:8000", True),
        ("http://localhost:8001", False),  # another port is another origin
        ("https://localhost:8000", False),
        ("http://sub.localhost:8000", False),  # fido2 alone would accept a subdomain of the RP id
        ("http://127.0.0.1:8000", False),
        ("http://localhost:8000/", False),
        ("http://LOCALHOST:8000", False),
    ],
)
def test_only_a_configured_origin_is_allowed(origin: str, allowed: bool) -> None:
    assert auth.origin_allowed(_answer({"origin": origin})) is allowed


def test_the_rp_entity_comes_from_the_settings(settings) -> None:
    settings.FIRMID_WEBAUTHN_RP_ID = "id.example.com"
    assert auth.rp_entity() == {"id": "id.example.com", "name": "firmid"}


@pytest.mark.parametrize(
    ("issuer", "rp_id", "origins"),
    [
        ("https://id.example.com", "id.example.com", ["https://id.example.com"]),
        ("https://id.example.com:8443/", "id.example.com", ["https://id.example.com:8443"]),
        ("http://localhost:8000", "localhost", ["http://localhost:8000"]),
    ],
)
def test_without_settings_the_rp_is_the_issuer(settings, issuer: str, rp_id: str, origins: list[str]) -> None:
    settings.FIRMID_ISSUER = issuer
    settings.FIRMID_WEBAUTHN_RP_ID = ""
    settings.FIRMID_WEBAUTHN_ORIGINS = []
    assert (mfa_settings.WEBAUTHN_RP_ID, mfa_settings.WEBAUTHN_ORIGINS) == (rp_id, origins)


def test_settings_changed_by_a_test_are_read_at_once(settings) -> None:
    settings.FIRMID_WEBAUTHN_RP_ID = "example.org"
    settings.FIRMID_WEBAUTHN_ORIGINS = ["https://id.example.org", "https://login.example.org"]
    assert mfa_settings.WEBAUTHN_RP_ID == "example.org"
    assert mfa_settings.WEBAUTHN_ORIGINS == ["https://id.example.org", "https://login.example.org"]


def test_a_missing_setting_has_its_default(settings) -> None:
    del settings.FIRMID_WEBAUTHN_RP_ID
    del settings.FIRMID_WEBAUTHN_ORIGINS
    settings.FIRMID_ISSUER = "https://id.example.net"
    assert (mfa_settings.WEBAUTHN_RP_ID, mfa_settings.WEBAUTHN_ORIGINS) == (
        "id.example.net",
        ["https://id.example.net"],
    )


def test_user_verification_is_false_for_an_unreadable_answer() -> None:
    assert auth.user_verified({"response": {}}) is False


@pytest.mark.parametrize(
    ("rp_id", "origins", "works"),
    [
        ("id.example.com", ["https://id.example.com"], True),
        ("example.com", ["https://id.example.com", "https://login.example.com"], True),
        ("localhost", ["http://localhost:8000"], True),
        ("127.0.0.1", ["http://127.0.0.1:8000"], False),  # browsers refuse an IP address as RP id
        ("::1", ["http://[::1]:8000"], False),
        ("id.example.com", ["http://id.example.com"], False),  # not a secure context
        ("id.example.com", ["https://example.com"], False),  # above the RP id
        ("id.example.com", ["https://evil.test"], False),
    ],
)
def test_a_relying_party_no_passkey_could_use_is_said(rp_id: str, origins: list[str], works: bool) -> None:
    assert (auth.rp_configuration_problem(rp_id=rp_id, origins=origins) is None) is works


def test_the_system_check_names_the_problem(settings) -> None:
    from firmid.mfa.checks import check_webauthn_relying_party

    settings.FIRMID_WEBAUTHN_RP_ID = "127.0.0.1"
    assert [w.id for w in check_webauthn_relying_party(None)] == ["firmid.W040"]
    settings.FIRMID_WEBAUTHN_RP_ID = "localhost"
    assert check_webauthn_relying_party(None) == []
