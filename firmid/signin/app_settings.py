"""The sign-in settings: how long a session lives (FIRMID_SESSION_*, config/settings/storage.py)."""

from __future__ import annotations

from firmid.core.app_settings import AppSettings


class SigninSettings(AppSettings):
    @property
    def SESSION_REFRESH_SECONDS(self) -> int:
        """How often, at most, a request moves the idle expiry forward (a session write)."""
        return self._setting("SESSION_REFRESH_SECONDS", 60)

    @property
    def SESSION_ABSOLUTE_SECONDS(self) -> int:
        """How long after the sign-in a session ends, whatever the activity."""
        return self._setting("SESSION_ABSOLUTE_SECONDS", 12 * 3600)


signin_settings = SigninSettings()
