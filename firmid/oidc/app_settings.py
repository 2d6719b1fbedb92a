"""The provider's own settings (FIRMID_*, config/settings/oidc.py); DOT's stay in OAUTH2_PROVIDER."""

from __future__ import annotations

from firmid.core.app_settings import AppSettings


class OidcSettings(AppSettings):
    @property
    def REFRESH_ABSOLUTE_SECONDS(self) -> int:
        """How long after the sign-in a rotation chain of refresh tokens ends, whatever the use."""
        return self._setting("REFRESH_ABSOLUTE_SECONDS", 12 * 3600)


oidc_settings = OidcSettings()
