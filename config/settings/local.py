"""The embedded mode of `make run`: SQLite, console email, secrets kept in var/."""

import secrets

from cryptography.fernet import Fernet

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, FIRMID_ISSUER, oauth2_provider_settings

DEBUG = env.flag("DEBUG", True)
SECRET_KEY = env.persistent_secret("SECRET_KEY", BASE_DIR / "var" / "secret_key", lambda: secrets.token_urlsafe(50))
FIRMID_ENCRYPTION_KEYS = [
    env.persistent_secret(
        "FIRMID_ENCRYPTION_KEYS",
        BASE_DIR / "var" / "encryption_key",
        lambda: Fernet.generate_key().decode(),
    )
]
FIRMID_OIDC_SIGNING_KEY = env.persistent_secret(
    "FIRMID_OIDC_SIGNING_KEY", BASE_DIR / "var" / "oidc_signing_key.pem", env.rsa_private_key_pem
)
OAUTH2_PROVIDER = oauth2_provider_settings(FIRMID_ISSUER, FIRMID_OIDC_SIGNING_KEY, [], ["http", "https"])
# Read by eye in `make run`; production keeps JSON lines.
LOGGING["handlers"]["console"]["formatter"] = env.text("LOG_FORMAT", "text")  # noqa: F405
# The secret of the demo application "Documents" (demo_rp/), registered by load_demo.
FIRMID_DEMO_RP_SECRET = env.text("FIRMID_DEMO_RP_SECRET", "documents-demo-secret")
FIRMID_DEMO_IDP_SECRET = env.text("FIRMID_DEMO_IDP_SECRET", "northwind-demo-secret")
# The demo's Northwind identity provider runs on http://127.0.0.1:8002 (make run).
FIRMID_SSO_ALLOW_HTTP_LOOPBACK = True
# Passkeys need a domain name: open the demo at http://localhost:8000 to use them (browsers refuse an IP).
FIRMID_WEBAUTHN_RP_ID = env.text("FIRMID_WEBAUTHN_RP_ID", "localhost")
FIRMID_WEBAUTHN_ORIGINS = env.listing("FIRMID_WEBAUTHN_ORIGINS", "http://localhost:8000")
