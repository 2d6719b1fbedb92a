"""Encryption of TOTP seeds at rest, with key rotation (newest key first)."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet

from firmid.mfa.app_settings import mfa_settings


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def keyring() -> MultiFernet:
    """Return the configured keys: the first encrypts, every one decrypts."""
    return _fernet(tuple(mfa_settings.ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return keyring().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return keyring().decrypt(token.encode()).decode()


def reencrypt(token: str) -> str:
    """Return the token encrypted under the newest key."""
    return keyring().rotate(token.encode()).decode()
