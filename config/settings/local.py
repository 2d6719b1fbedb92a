"""The embedded mode of `make run`: SQLite, console email, secrets kept in var/."""

import secrets

from cryptography.fernet import Fernet

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR

DEBUG = env.flag("DEBUG", True)
SECRET_KEY = env.persistent_secret(
    "SECRET_KEY", BASE_DIR / "var" / "secret_key", lambda: secrets.token_urlsafe(50)
)
FIRMID_ENCRYPTION_KEYS = [
    env.persistent_secret(
        "FIRMID_ENCRYPTION_KEYS",
        BASE_DIR / "var" / "encryption_key",
        lambda: Fernet.generate_key().decode(),
    )
]
