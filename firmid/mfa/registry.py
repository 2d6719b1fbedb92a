"""The factors firmid offers: the one list every caller goes through.

A new factor is a folder under `firmid/mfa/factors/` with a `Factor` subclass, and one line here.
"""

from __future__ import annotations

from collections.abc import Mapping

from firmid.mfa.factors.base import Factor
from firmid.mfa.factors.recovery_codes.factor import RECOVERY_CODES
from firmid.mfa.factors.totp.factor import TOTP
from firmid.mfa.factors.webauthn.factor import WEBAUTHN

FACTORS: tuple[Factor, ...] = (TOTP, WEBAUTHN, RECOVERY_CODES)

_BY_KIND = {f.kind: f for f in FACTORS}


def factors() -> tuple[Factor, ...]:
    """Return every factor firmid offers, in the order pages list them."""
    return FACTORS


def factor(kind: str) -> Factor:
    """Return the factor stored as Authenticator rows of type `kind`; KeyError if firmid offers none."""
    return _BY_KIND[kind]


def amr_of(kind: str) -> str | None:
    """Return the RFC 8176 value of a factor used at sign-in, or None for a kind firmid does not offer."""
    return _BY_KIND[kind].amr if kind in _BY_KIND else None


def guard_state_cleared() -> Mapping[str, object]:
    """Return every factor's replay state in the shared guard row, as support's reset leaves it."""
    return {field: value for f in FACTORS for field, value in f.guard_state_cleared.items()}
