from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher

from firmid.accounts.app_settings import accounts_settings


class FirmidArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with the configured cost; Django re-hashes at sign-in when the cost changes."""

    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return accounts_settings.ARGON2_MEMORY_KIB

    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return accounts_settings.ARGON2_TIME_COST

    @property
    def parallelism(self) -> int:  # type: ignore[override]
        return accounts_settings.ARGON2_PARALLELISM
