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
        "DIRS": [env.BASE_DIR / "templates"],
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

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.BASE_DIR / "var" / "static"
