from __future__ import annotations

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def check_encryption_keys(app_configs, **kwargs):  # noqa: ANN001, ANN003, ANN201
    keys = settings.FIRMID_ENCRYPTION_KEYS
    if not keys:
        return [Error("FIRMID_ENCRYPTION_KEYS is empty: TOTP seeds cannot be encrypted.", id="firmid.E010")]
    try:
        [Fernet(key.encode()) for key in keys]
    except ValueError:
        return [
            Error(
                "FIRMID_ENCRYPTION_KEYS holds a key that is not a Fernet key.",
                hint="Make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'",
                id="firmid.E011",
            )
        ]
    return []
