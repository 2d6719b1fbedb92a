"""The test suite: the real stack, with email kept in memory and a fixed set of keys."""

from config import env
from config.settings.base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789abcdef"
FIRMID_ENCRYPTION_KEYS = env.listing(
    "FIRMID_ENCRYPTION_KEYS", "iVQLh5T1PKxNtLCdCUinslWyezrIipZi7ws3jFp35GE="
)
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
