"""The applications, the middleware stack, templates, static files and languages."""

from config import env

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
    # (CORS_URLS_REGEX in oidc.py; which origin may read what: firmid/oidc/cors.py).
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the cookie the switch sets, else the browser's Accept-Language, else
    # English; a signed-in user's saved preference comes first (UserLanguageMiddleware).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "firmid.accounts.language.UserLanguageMiddleware",
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
        "DIRS": [env.BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "en"
# English and French, everywhere a person reads (docs/i18n.md).
LANGUAGES = [("en", "English"), ("fr", "Français")]
# Every catalogue of firmid (docs/i18n.md): one per folder of templates/ (deepest first) and
# one per app, so that they merge without conflicts. Listed here, not only found through
# INSTALLED_APPS, so that they come before allauth's and Django's own French: a word
# both translate ("Remove", "Email") reads as firmid's glossary says.
LOCALE_PATHS = [
    *sorted(
        (path for path in (env.BASE_DIR / "templates").glob("**/locale") if path.is_dir()),
        key=lambda path: (-len(path.parts), str(path)),
    ),
    *sorted(path for path in (env.BASE_DIR / "firmid").glob("*/locale") if path.is_dir()),
]
LANGUAGE_COOKIE_NAME = "firmid_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# English dates as a European firm writes them (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = env.BASE_DIR / "var" / "static"
