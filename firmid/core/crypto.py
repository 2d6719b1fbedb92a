"""Encryption of secrets at rest (TOTP seeds, SSO client secrets), with key rotation (newest key first)."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.utils.translation import gettext as _

from firmid.core.app_settings import core_settings
from firmid.core.errors import ServiceError


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def keyring() -> MultiFernet:
    """Return the configured keys: the first encrypts, every one decrypts."""
    return _fernet(tuple(core_settings.ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return keyring().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return keyring().decrypt(token.encode()).decode()


def reencrypt(token: str) -> str:
    """Return the token encrypted under the newest key."""
    return keyring().rotate(token.encode()).decode()


def reencrypt_or_refuse(token: str, *, what: str) -> str:
    """Return the token under the newest key; a token no configured key decrypts refuses the whole rotation."""
    try:
        return reencrypt(token)
    except InvalidToken:
        refusal = _(
            "%(what)s cannot be decrypted with any configured key (FIRMID_ENCRYPTION_KEYS): nothing was re-encrypted."
        )
        raise ServiceError(refusal % {"what": what}) from None
