"""The MFA settings: the attempt guard's limits, passkeys' relying party (config/settings/auth.py).

allauth's own MFA_* settings (MFA_TOTP_DIGITS…) stay allauth's: read them through
`allauth.mfa.app_settings`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from firmid.core import app_settings as core
from firmid.core.app_settings import AppSettings


class MfaSettings(AppSettings):
    @property
    def MFA_MAX_FAILURES(self) -> int:
        """Consecutive wrong codes before a lock."""
        return self._setting("MFA_MAX_FAILURES", 5)

    @property
    def MFA_LOCK_SECONDS(self) -> int:
        """The first lock's length; each new lock lasts twice the previous one."""
        return self._setting("MFA_LOCK_SECONDS", 60)

    @property
    def MFA_LOCK_MAX_SECONDS(self) -> int:
        """The longest a lock lasts, however many came before."""
        return self._setting("MFA_LOCK_MAX_SECONDS", 3600)

    @property
    def MFA_SETUP_LINK_HOURS(self) -> int:
        """How long a set-up link sent by support with a reset stays usable (single use)."""
        return self._setting("MFA_SETUP_LINK_HOURS", 24)

    @property
    def MFA_EMAIL_CODE_SECONDS(self) -> int:
        """How long a code emailed before a first set-up stays usable (single use, 5 attempts)."""
        return self._setting("MFA_EMAIL_CODE_SECONDS", 600)

    @property
    def MFA_EMAIL_CODES_PER_HOUR(self) -> int:
        """At most this many codes emailed to one user in an hour (a new code is refused after)."""
        return self._setting("MFA_EMAIL_CODES_PER_HOUR", 5)

    @property
    def WEBAUTHN_RP_ID(self) -> str:
        """Passkeys' relying-party id: a domain (never an IP), by default the issuer's host."""
        return self._setting("WEBAUTHN_RP_ID", "") or (urlsplit(core.core_settings.ISSUER).hostname or "")

    @property
    def WEBAUTHN_ORIGINS(self) -> list[str]:
        """The exact origins a passkey's answer may come from, by default the issuer's origin."""
        return self._setting("WEBAUTHN_ORIGINS", []) or [_origin(core.core_settings.ISSUER)]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


mfa_settings = MfaSettings()
