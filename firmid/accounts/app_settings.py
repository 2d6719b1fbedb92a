"""The accounts settings: the cost of password hashing (FIRMID_ARGON2_*, config/settings/auth.py)."""

from __future__ import annotations

from firmid.core.app_settings import AppSettings


class AccountsSettings(AppSettings):
    # OWASP's Argon2id floor is the default: 19 MiB, 2 passes, 1 lane (checks.py refuses less).
    @property
    def ARGON2_MEMORY_KIB(self) -> int:
        return self._setting("ARGON2_MEMORY_KIB", 19 * 1024)

    @property
    def ARGON2_TIME_COST(self) -> int:
        return self._setting("ARGON2_TIME_COST", 2)

    @property
    def ARGON2_PARALLELISM(self) -> int:
        return self._setting("ARGON2_PARALLELISM", 1)


accounts_settings = AccountsSettings()
