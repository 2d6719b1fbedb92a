"""The OpenID Connect provider (django-oauth-toolkit, firmid.oidc): issuer, keys, CORS, DOT's settings."""

from config import env

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
