"""firmid's settings, one object per app: typed, defaulted, read from Django's settings when asked.

Each app that reads a FIRMID_* setting has an `app_settings.py` with one subclass of
`AppSettings` and one instance (`core_settings` here); code reads `core_settings.ISSUER`,
never `settings.FIRMID_ISSUER`. A property is named after its setting without the
FIRMID_ prefix, so a grep for either finds both. Values are read at each access, not
at import: tests that change a setting (pytest-django's `settings`) are seen at once.
A setting read by several apps lives in the lowest of them (docs/architecture.md).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings

_T = TypeVar("_T")


class AppSettings:
    """Base of every app's settings object: FIRMID_<name> from Django's settings, else the default."""

    prefix = "FIRMID_"

    def _setting(self, name: str, default: _T) -> _T:
        value: Any = getattr(settings, f"{self.prefix}{name}", default)
        return value


class CoreSettings(AppSettings):
    @property
    def ISSUER(self) -> str:
        """This firmid's public origin: tokens name it (OAUTH2_PROVIDER), rate-limit keys start with it."""
        return self._setting("ISSUER", "http://127.0.0.1:8000")

    @property
    def TRUSTED_PROXIES(self) -> list[str]:
        """The proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (client_address.py)."""
        return self._setting("TRUSTED_PROXIES", [])

    @property
    def ENCRYPTION_KEYS(self) -> list[str]:
        """Fernet keys of the secrets at rest (TOTP seeds, SSO client secrets), newest first: the first encrypts."""
        return self._setting("ENCRYPTION_KEYS", [])


core_settings = CoreSettings()
