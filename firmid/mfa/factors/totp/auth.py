"""Strict parsing of codes and the time step a code belongs to.

The HOTP maths are allauth's; firmid adds what replay protection needs: which step
matched, computed from server time only.
"""

from __future__ import annotations

import hmac
import re

from allauth.mfa import app_settings as allauth_mfa_settings

from firmid.core import clock
from firmid.core.seams.allauth import format_hotp_value, hotp_value

_SURROUNDING_SPACE = " \t\r\n"


def parse_code(raw: str) -> str | None:
    """Return the code if it is exactly the configured number of ASCII digits, else None."""
    code = raw.strip(_SURROUNDING_SPACE)
    if re.fullmatch(rf"[0-9]{{{allauth_mfa_settings.TOTP_DIGITS}}}", code, flags=re.ASCII):
        return code
    return None


def current_step(at: float | None = None) -> int:
    return int(clock.timestamp() if at is None else at) // allauth_mfa_settings.TOTP_PERIOD


def code_at_step(secret: str, step: int) -> str:
    return format_hotp_value(hotp_value(secret, step))


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """Return the newest step within ±tolerance whose code is `code`, or None."""
    now = current_step(at)
    tolerance = allauth_mfa_settings.TOTP_TOLERANCE
    matched = None
    for step in range(now - tolerance, now + tolerance + 1):
        # Every candidate is compared, so the time taken does not tell which one matched.
        if hmac.compare_digest(code_at_step(secret, step), code):
            matched = step
    return matched
