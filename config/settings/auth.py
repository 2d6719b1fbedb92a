"""Who may sign in and how: users, passwords, django-allauth, its MFA, firmid's second-factor guard."""

from config import env

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

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "myaccount:home"
LOGOUT_REDIRECT_URL = "account_login"

# --- django-allauth ---------------------------------------------------------------
ACCOUNT_ADAPTER = "firmid.signin.adapter.SignInAdapter"
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
MFA_SUPPORTED_TYPES = ["totp", "webauthn"]
# Passkeys (firmid/mfa/factors/webauthn): allauth's passkey sign-in is served, and firmid lets a
# user through it only where their firm allows it for their type (firmid/signin/stages.py).
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_PASSKEY_SIGNUP_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
# Asked, not demanded, of a key used as a second factor; a passkey sign-in demands it.
MFA_WEBAUTHN_USER_VERIFICATION = "preferred"
MFA_TOTP_PERIOD = 30
MFA_TOTP_DIGITS = 6
MFA_TOTP_TOLERANCE = 1
MFA_TOTP_ISSUER = "firmid"
MFA_FORMS = {
    "authenticate": "firmid.mfa.forms.AuthenticateForm",
    "reauthenticate": "firmid.mfa.forms.ReauthenticateForm",
    "activate_totp": "firmid.mfa.factors.totp.forms.ActivateTOTPForm",
    "add_webauthn": "firmid.mfa.factors.webauthn.forms.AddWebAuthnForm",
    "authenticate_webauthn": "firmid.mfa.factors.webauthn.forms.AuthenticateWebAuthnForm",
    "login_webauthn": "firmid.mfa.factors.webauthn.forms.LoginWebAuthnForm",
    "reauthenticate_webauthn": "firmid.mfa.factors.webauthn.forms.ReauthenticateWebAuthnForm",
}

# --- firmid's second-factor guard -------------------------------------------------
# Consecutive wrong codes before a lock; each new lock lasts twice the previous one.
FIRMID_MFA_MAX_FAILURES = env.integer("FIRMID_MFA_MAX_FAILURES", 5)
FIRMID_MFA_LOCK_SECONDS = env.integer("FIRMID_MFA_LOCK_SECONDS", 60)
FIRMID_MFA_LOCK_MAX_SECONDS = env.integer("FIRMID_MFA_LOCK_MAX_SECONDS", 3600)
# Proving the mailbox before a set-up (firmid.mfa.mailbox): support's single-use set-up link,
# and the code a firm may require before any first set-up (its life, and sends per hour).
FIRMID_MFA_SETUP_LINK_HOURS = env.integer("FIRMID_MFA_SETUP_LINK_HOURS", 24)
FIRMID_MFA_EMAIL_CODE_SECONDS = env.integer("FIRMID_MFA_EMAIL_CODE_SECONDS", 600)
FIRMID_MFA_EMAIL_CODES_PER_HOUR = env.integer("FIRMID_MFA_EMAIL_CODES_PER_HOUR", 5)

# Passkeys' relying party (firmid.mfa.app_settings): the RP id and the exact origins a
# browser's answer may come from, never taken from the request's Host. "" / empty: the host
# and the origin of FIRMID_ISSUER. Browsers refuse an IP address as RP id.
FIRMID_WEBAUTHN_RP_ID = env.text("FIRMID_WEBAUTHN_RP_ID", "")
FIRMID_WEBAUTHN_ORIGINS = env.listing("FIRMID_WEBAUTHN_ORIGINS", "")

# Keys for encrypting TOTP seeds at rest: Fernet keys, newest first. Older keys still
# decrypt, so a key is rotated by prepending a new one and running `rotate_mfa_keys`.
FIRMID_ENCRYPTION_KEYS = env.listing("FIRMID_ENCRYPTION_KEYS", "")

# Federation (firmid.sso.app_settings): firms' own OpenID Connect providers.
FIRMID_SSO_TIMEOUT_SECONDS = env.integer("FIRMID_SSO_TIMEOUT_SECONDS", 5)
FIRMID_SSO_CLOCK_SKEW_SECONDS = env.integer("FIRMID_SSO_CLOCK_SKEW_SECONDS", 60)
FIRMID_SSO_ID_TOKEN_MAX_AGE_SECONDS = env.integer("FIRMID_SSO_ID_TOKEN_MAX_AGE_SECONDS", 300)
FIRMID_SSO_FLOW_SECONDS = env.integer("FIRMID_SSO_FLOW_SECONDS", 600)
FIRMID_SSO_METADATA_CACHE_SECONDS = env.integer("FIRMID_SSO_METADATA_CACHE_SECONDS", 3600)
FIRMID_SSO_ALLOW_HTTP_LOOPBACK = False
