"""The federation settings: how firmid talks to a firm's identity provider (config/settings/auth.py)."""

from __future__ import annotations

from firmid.core.app_settings import AppSettings


class SsoSettings(AppSettings):
    @property
    def SSO_TIMEOUT_SECONDS(self) -> float:
        """How long firmid waits for any answer of an upstream provider (discovery, keys, token)."""
        return self._setting("SSO_TIMEOUT_SECONDS", 5.0)

    @property
    def SSO_CLOCK_SKEW_SECONDS(self) -> int:
        """How far an upstream's clock may be from firmid's when its ID token's times are checked."""
        return self._setting("SSO_CLOCK_SKEW_SECONDS", 60)

    @property
    def SSO_ID_TOKEN_MAX_AGE_SECONDS(self) -> int:
        """How old an ID token (its iat) may be when it arrives: it is fetched the moment it is issued."""
        return self._setting("SSO_ID_TOKEN_MAX_AGE_SECONDS", 300)

    @property
    def SSO_FLOW_SECONDS(self) -> int:
        """How long a round trip to the upstream may take, from firmid's redirect to its callback."""
        return self._setting("SSO_FLOW_SECONDS", 600)

    @property
    def SSO_METADATA_CACHE_SECONDS(self) -> int:
        """How long an upstream's discovery document and keys are kept (a new kid fetches the keys again)."""
        return self._setting("SSO_METADATA_CACHE_SECONDS", 3600)

    @property
    def SSO_ALLOW_HTTP_LOOPBACK(self) -> bool:
        """Accept an http:// issuer on a loopback address (the demo's and the tests' providers); never in production."""
        return self._setting("SSO_ALLOW_HTTP_LOOPBACK", False)


sso_settings = SsoSettings()
