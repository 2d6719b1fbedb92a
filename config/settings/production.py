"""Production: every secret comes from the environment; cookies only over HTTPS."""

from pathlib import Path

from config import env
from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env.text("SECRET_KEY")
FIRMID_ENCRYPTION_KEYS = env.listing("FIRMID_ENCRYPTION_KEYS", None)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", True)
# Behind the TLS proxy: X-Forwarded-Proto says HTTPS. Believed only from FIRMID_TRUSTED_PROXIES
# (TrustedProxyMiddleware removes it from anyone else); gunicorn.conf.py trusts the same list.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
CSRF_TRUSTED_ORIGINS = env.listing("CSRF_TRUSTED_ORIGINS", "")
FIRMID_ISSUER = env.text("FIRMID_ISSUER")
# Key files, not values: PEM does not travel well through environment variables.
FIRMID_OIDC_SIGNING_KEY = env.file_text("FIRMID_OIDC_SIGNING_KEY_FILE")
FIRMID_OIDC_RETIRED_KEYS = [Path(path).read_text() for path in env.listing("FIRMID_OIDC_RETIRED_KEY_FILES", "")]
OAUTH2_PROVIDER = oauth2_provider_settings(FIRMID_ISSUER, FIRMID_OIDC_SIGNING_KEY, FIRMID_OIDC_RETIRED_KEYS, ["https"])  # noqa: F405
