"""The test suite: the real stack, with email kept in memory and a fixed set of keys."""

import os

from config import env
from config.settings.base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789abcdef"
FIRMID_ENCRYPTION_KEYS = env.listing("FIRMID_ENCRYPTION_KEYS", "iVQLh5T1PKxNtLCdCUinslWyezrIipZi7ws3jFp35GE=")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

# A file, not memory: the race tests run several connections at once, as workers do.
DATABASES["default"].setdefault("TEST", {})  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per run, so that runs side by side (developers, helpers) never share one.
    DATABASES["default"]["TEST"]["NAME"] = str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")  # noqa: F405

# One signing key per test run; the suite's clients read it from the JWKS like any client.
FIRMID_OIDC_SIGNING_KEY = (
    env.file_text("FIRMID_OIDC_SIGNING_KEY_FILE")
    if env.text("FIRMID_OIDC_SIGNING_KEY_FILE", "")
    else env.rsa_private_key_pem()
)
OAUTH2_PROVIDER = oauth2_provider_settings(FIRMID_ISSUER, FIRMID_OIDC_SIGNING_KEY, [], ["http", "https"])  # noqa: F405
# The secret of the demo application "Documents" (demo_rp/), registered by load_demo.
FIRMID_DEMO_RP_SECRET = env.text("FIRMID_DEMO_RP_SECRET", "documents-demo-secret")
FIRMID_DEMO_IDP_SECRET = env.text("FIRMID_DEMO_IDP_SECRET", "northwind-demo-secret")
# The tests' upstream providers run on loopback, over http (firmid/testing/upstream.py).
FIRMID_SSO_ALLOW_HTTP_LOOPBACK = True
# Passkeys: browsers refuse an IP address as RP id, and http://localhost is a secure context.
# The browser tests set the live server's origin (tests/e2e/test_passkeys.py).
FIRMID_WEBAUTHN_RP_ID = env.text("FIRMID_WEBAUTHN_RP_ID", "localhost")
FIRMID_WEBAUTHN_ORIGINS = env.listing("FIRMID_WEBAUTHN_ORIGINS", "http://localhost:8000")

# Under pytest-xdist (`make test` runs on every core), each worker has a Redis database of
# its own: a test empties the cache at its start (firmid/testing/pytest_plugin.py), which
# must never wipe another worker's counters. The databases have their own per worker too.
_worker = env.text("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and "redis" in CACHES["default"]["BACKEND"].lower():  # noqa: F405
    _base = CACHES["default"]["LOCATION"].rsplit("/", 1)[0]  # noqa: F405
    CACHES["default"]["LOCATION"] = f"{_base}/{int(_worker[2:]) + 1}"  # noqa: F405
