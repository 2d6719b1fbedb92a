"""The MFA settings: the attempt guard's limits (config/settings/auth.py).

allauth's own MFA_* settings (MFA_TOTP_DIGITS…) stay allauth's: read them through
`allauth.mfa.app_settings`.
"""

from __future__ import annotations

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


mfa_settings = MfaSettings()
