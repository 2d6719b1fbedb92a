"""What firmid checks of a browser's WebAuthn answer beyond allauth and fido2: the exact origin, user verification.

fido2 accepts any origin whose host is the RP id or one of its subdomains; firmid accepts only
the origins it is configured with (FIRMID_WEBAUTHN_ORIGINS), never one the request names.
"""

from __future__ import annotations

import ipaddress
import json
import struct
from typing import Any

from fido2.rpid import verify_rp_id
from fido2.utils import websafe_decode
from fido2.webauthn import AuthenticationResponse, RegistrationResponse

from firmid.mfa.app_settings import mfa_settings

# What fido2 raises on a malformed answer (bad base64, CBOR or structure); allauth catches only some.
_MALFORMED = (KeyError, TypeError, ValueError, IndexError, struct.error)


def rp_entity() -> dict[str, str]:
    """The relying party every ceremony names: its id from the settings, never from the Host header."""
    return {"id": mfa_settings.WEBAUTHN_RP_ID, "name": "firmid"}


def client_origin(credential: Any) -> str | None:
    """The origin the browser signed into the answer's client data, or None if there is none to read."""
    try:
        client_data = json.loads(websafe_decode(credential["response"]["clientDataJSON"]))
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(client_data, dict) or client_data.get("crossOrigin") is True:
        return None  # an answer given inside another site's frame is never ours
    origin = client_data.get("origin")
    return origin if isinstance(origin, str) else None


def origin_allowed(credential: Any) -> bool:
    """Did the answer come from one of firmid's configured origins, exactly?"""
    return client_origin(credential) in set(mfa_settings.WEBAUTHN_ORIGINS)


def user_verified(credential: Any) -> bool:
    """Did the authenticator verify its user (PIN, biometrics)? Read once fido2 checked the signature."""
    try:
        return AuthenticationResponse.from_dict(credential).response.authenticator_data.is_user_verified()
    except _MALFORMED:
        return False


def registration_readable(credential: Any) -> bool:
    """Can the browser's answer to a creation ceremony be read at all (before any check of it)?"""
    try:
        RegistrationResponse.from_dict(credential)
    except _MALFORMED:
        return False
    return True


def rp_configuration_problem(*, rp_id: str, origins: list[str]) -> str | None:
    """Why no passkey could work with this relying party (said at start-up), or None if one can."""
    try:
        ipaddress.ip_address(rp_id)
    except ValueError:
        pass
    else:
        return f"FIRMID_WEBAUTHN_RP_ID is an IP address ({rp_id}): browsers refuse one. Use a domain name (localhost in development)."
    for origin in origins:
        # HTTPS (or http://localhost) at the RP id or below it, as browsers and fido2 demand.
        if not verify_rp_id(rp_id, origin):
            return f"The origin {origin} of FIRMID_WEBAUTHN_ORIGINS cannot use the RP id {rp_id!r}."
    return None
