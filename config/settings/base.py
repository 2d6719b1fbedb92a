"""Settings shared by every environment; environment-specific modules import this one."""

from __future__ import annotations

import dj_database_url

from config import env

BASE_DIR = env.BASE_DIR

SECRET_KEY = env.text("SECRET_KEY", "")
DEBUG = env.flag("DEBUG", False)
ALLOWED_HOSTS = env.listing("ALLOWED_HOSTS", "127.0.0.1,localhost")
# Keys for encrypting TOTP seeds at rest: Fernet keys, newest first. Older keys still
# decrypt, so a key is rotated by prepending a new one and running `rotate_mfa_keys`.
FIRMID_ENCRYPTION_KEYS = env.listing("FIRMID_ENCRYPTION_KEYS", "")

INSTALLED_APPS = [
    # Before django.contrib.auth, so that its changepassword command (which also ends the
    # user's tokens and is audited) replaces Django's.
    "firmid.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "firmid.core",
    "firmid.tenancy",
    "firmid.sso",
    "firmid.audit",
    "firmid.mfa",
    "firmid.signin",
    "firmid.administration",
    "firmid.myaccount",
    "firmid.ops",
    "corsheaders",
    "oauth2_provider",
    "firmid.oidc",
    "rest_framework",
    "drf_spectacular",
    "firmid.api",
    "firmid.demo",
]

MIDDLEWARE = [
    "firmid.ops.middleware.LatencyMiddleware",
    # Outermost but for the latency timer: every response, whichever layer answers, carries
    # the Content-Security-Policy, and the pages showing a TOTP key are never stored.
    "firmid.core.headers.ContentSecurityPolicyMiddleware",
    "firmid.core.headers.SecretPagesNotStoredMiddleware",
    # Before anything reads the scheme or the client: forwarding headers count only from
    # FIRMID_TRUSTED_PROXIES (firmid/core/client_address.py).
    "firmid.ops.middleware.TrustedProxyMiddleware",
    "firmid.core.request_memo.RequestMemoMiddleware",
    "firmid.ops.middleware.RefuseNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before any layer that may answer: preflights of the CORS endpoints end here
    # (CORS_URLS_REGEX below; which origin may read what: firmid/oidc/cors.py).
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "firmid.signin.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env.text("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'firmid.sqlite3'}"),
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 0),
        # A connection broken by a database restart is replaced, not reused.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several requests at once must wait for the write lock, not fail.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    # SQLite creates its file but not the folder: a fresh clone has no var/ yet.
    (BASE_DIR / "var").mkdir(exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shared store: anything that must hold across workers lives in the database (or
# Redis where configured), never in a per-process cache.
CACHES = {
    "default": {
        "BACKEND": "firmid.ops.cache.DatabaseCache",
        "LOCATION": "firmid_cache",
        # Rate-limit history lives here: culling must only ever remove expired rows, never
        # live ones (Django's default of 300 entries would let a spray of addresses evict
        # the history of the account under attack).
        "OPTIONS": {"MAX_ENTRIES": 10_000_000},
    }
}
if env.text("REDIS_URL", ""):
    # Attempt counters and lockouts live here: Redis must keep them across a restart and never
    # evict them (appendonly yes, maxmemory-policy noeviction; `manage.py check` refuses
    # otherwise, docs/deployment.md). A Redis that does not answer is a 503, within seconds.
    CACHES["default"] = {
        "BACKEND": "firmid.ops.cache.RedisCache",
        "LOCATION": env.text("REDIS_URL"),
        "KEY_PREFIX": "firmid",
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["firmid.signin.backends.AuthenticationBackend"]
# The first hasher hashes every password; the second is for applications' random client
# secrets only (OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"], firmid/oidc/hashers.py).
PASSWORD_HASHERS = [
    "firmid.accounts.hashers.FirmidArgon2PasswordHasher",
    "firmid.oidc.hashers.ClientSecretHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "firmid.accounts.password_validation.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "firmid.accounts.password_validation.UserNameValidator"},
]
# OWASP's Argon2id floor: 19 MiB, 2 passes, 1 lane.
FIRMID_ARGON2_MEMORY_KIB = env.integer("FIRMID_ARGON2_MEMORY_KIB", 19 * 1024)
FIRMID_ARGON2_TIME_COST = env.integer("FIRMID_ARGON2_TIME_COST", 2)
FIRMID_ARGON2_PARALLELISM = env.integer("FIRMID_ARGON2_PARALLELISM", 1)

SESSION_ENGINE = "firmid.ops.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "firmid_session"
# Idle timeout: a signed-in user's session expiry moves forward at their requests, at most
# once a minute (SessionPolicyMiddleware), rather than with a database write at every request.
SESSION_COOKIE_AGE = env.integer("FIRMID_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
FIRMID_SESSION_REFRESH_SECONDS = 60
# Absolute timeout, enforced by SessionPolicyMiddleware whatever the activity.
FIRMID_SESSION_ABSOLUTE_SECONDS = env.integer("FIRMID_SESSION_ABSOLUTE_SECONDS", 12 * 3600)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp), on every response: scripts and styles from firmid's
# own static files only (no inline script, no style= attribute, no eval), images from
# firmid or data: URIs (allauth's QR code), never framed, no <base>, no plugins.
# form-action is 'self' plus, on a page of a sign-in or sign-out started by an application,
# that application's registered redirect origin: Chromium checks form-action on every
# redirect that follows a form submission, and the sign-in POST ends at the application's
# redirect_uri (firmid/core/headers.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "myaccount:home"
LOGOUT_REDIRECT_URL = "account_login"

# --- django-allauth ---------------------------------------------------------------
ACCOUNT_ADAPTER = "firmid.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# Nobody signs up: a reset asked for an unknown address sends nothing (no mail to strangers).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_FORMS = {
    "login": "firmid.accounts.forms.LoginForm",
    # A reset finds a user by their one address only; every new password ends sessions and tokens.
    "reset_password": "firmid.accounts.forms.ResetPasswordForm",
    "change_password": "firmid.accounts.forms.ChangePasswordForm",
    "set_password": "firmid.accounts.forms.SetPasswordForm",
    "reset_password_from_key": "firmid.accounts.forms.ResetPasswordKeyForm",
}
# The half-finished sign-in (password given, second factor or enrolment pending) lives
# this long; it is also the window an enrolment must be completed in.
ACCOUNT_LOGIN_TIMEOUT = env.integer("FIRMID_LOGIN_TIMEOUT_SECONDS", 600)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[firmid] "

MFA_ADAPTER = "firmid.mfa.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp"]
MFA_TOTP_PERIOD = 30
MFA_TOTP_DIGITS = 6
MFA_TOTP_TOLERANCE = 1
MFA_TOTP_ISSUER = "firmid"
MFA_FORMS = {
    "authenticate": "firmid.mfa.forms.AuthenticateForm",
    "reauthenticate": "firmid.mfa.forms.ReauthenticateForm",
    "activate_totp": "firmid.mfa.forms.ActivateTOTPForm",
}

# --- firmid's second-factor guard -------------------------------------------------
# Consecutive wrong codes before a lock; each new lock lasts twice the previous one.
FIRMID_MFA_MAX_FAILURES = env.integer("FIRMID_MFA_MAX_FAILURES", 5)
FIRMID_MFA_LOCK_SECONDS = env.integer("FIRMID_MFA_LOCK_SECONDS", 60)
FIRMID_MFA_LOCK_MAX_SECONDS = env.integer("FIRMID_MFA_LOCK_MAX_SECONDS", 3600)

EMAIL_BACKEND = env.text("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.text("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "firmid <no-reply@firmid.test>")

# Structured JSON lines by default; LOG_FORMAT=text for reading by eye.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "firmid.ops.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": env.text("LOG_FORMAT", "json")}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
}
# Who may read /metrics (Prometheus scrapers); everyone else gets 403.
FIRMID_METRICS_ALLOWED_NETWORKS = env.listing("FIRMID_METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
# How far this node's clock may differ from the database's before /readyz fails: locks, codes
# and sessions are compared across nodes (docs/deployment.md, "Clock synchronisation").
FIRMID_MAX_CLOCK_SKEW_SECONDS = env.integer("FIRMID_MAX_CLOCK_SKEW_SECONDS", 2)
# The proxies firmid sits behind (addresses or CIDR networks; docs/deployment.md). Only their
# X-Forwarded-For and X-Forwarded-Proto are believed; empty: the peer is the client.
FIRMID_TRUSTED_PROXIES = env.networks("FIRMID_TRUSTED_PROXIES", "")


# --- REST API (firmid.api) ---------------------------------------------------------
# Session authentication only: support agents sign in (with MFA) as for the Administration
# application, and CSRF applies to every unsafe method.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["firmid.api.permissions.SupportAgentAccess"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "firmid.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "firmid API",
    "DESCRIPTION": "MFA policy of accounting firms and their users, for support agents.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["firmid.api.permissions.SupportAgentAccess"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "MfaLevelEnum": "firmid.api.serializers.LEVEL_VALUES",
        "UserTypeEnum": "firmid.api.serializers.USER_TYPE_VALUES",
    },
}


# --- OpenID Connect provider (django-oauth-toolkit, firmid.oidc) -------------------
# The issuer is explicit: tokens name it, and clients compare it to the discovery URL.
FIRMID_ISSUER = env.text("FIRMID_ISSUER", "http://127.0.0.1:8000")
# The signing key, and retired keys still published in the JWKS until their tokens expire.
FIRMID_OIDC_SIGNING_KEY = ""
FIRMID_OIDC_RETIRED_KEYS: list[str] = []
# A rotation chain of refresh tokens ends this long after the sign-in, whatever the use.
FIRMID_REFRESH_ABSOLUTE_SECONDS = env.integer("FIRMID_REFRESH_ABSOLUTE_SECONDS", 12 * 3600)
# CORS (django-cors-headers) on the endpoints a single-page application calls by fetch:
# token, userinfo, revocation. No origin is allowed here: each application lists its own
# (its allowed origins, Administration → Applications), and firmid/oidc/cors.py decides per
# request. Never with credentials (no cookie is ever read cross-origin); discovery and the
# JWKS stay readable by any origin (Access-Control-Allow-Origin: *, set by their views).
CORS_URLS_REGEX = r"^/oauth/(token|revoke|userinfo)/$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "POST", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type"]
CORS_EXPOSE_HEADERS = ["WWW-Authenticate"]
CORS_PREFLIGHT_MAX_AGE = 3600
OAUTH2_PROVIDER_GRANT_MODEL = "oidc.Grant"
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"


def oauth2_provider_settings(
    issuer: str, signing_key: str, retired_keys: list[str], redirect_schemes: list[str]
) -> dict:
    """DOT's settings: OIDC on, code flow with PKCE S256 only, every RFC 9700 gate enforced."""
    return {
        "OIDC_ENABLED": True,
        "OIDC_ISS_ENDPOINT": issuer,
        "OIDC_RSA_PRIVATE_KEY": signing_key,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": retired_keys,
        "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
        "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post", "none"],
        "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
        "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
        "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
        "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": True,
        "OAUTH2_VALIDATOR_CLASS": "firmid.oidc.validators.FirmidValidator",
        # Random 128-character secrets: a fast salted hash, not a second Argon2id per sign-in.
        "CLIENT_SECRET_HASHER": "firmid_client_secret_sha256",
        "SCOPES": {
            "openid": "Sign you in and know your firm",
            "profile": "Your name",
            "email": "Your email address",
        },
        "DEFAULT_SCOPES": ["openid"],
        "PKCE_REQUIRED": True,
        "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
        "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
        "ID_TOKEN_EXPIRE_SECONDS": 600,
        "REFRESH_TOKEN_EXPIRE_SECONDS": 8 * 3600,
        "ROTATE_REFRESH_TOKEN": True,
        "REFRESH_TOKEN_REUSE_PROTECTION": True,
        "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
        "REQUEST_APPROVAL_PROMPT": "auto",
        "ALLOWED_REDIRECT_URI_SCHEMES": redirect_schemes,
        # The schemes of allowed origins (CORS): the same as redirect URIs'.
        "ALLOWED_SCHEMES": redirect_schemes,
        "ALLOW_URI_WILDCARDS": False,
        "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
        "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
        "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
        "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
        "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
        "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
        "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
        "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    }
