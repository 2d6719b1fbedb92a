"""Secrets, hosts, cookies and headers: what protects every response, and who a client is."""

from config import env

SECRET_KEY = env.text("SECRET_KEY", "")
DEBUG = env.flag("DEBUG", False)
ALLOWED_HOSTS = env.listing("ALLOWED_HOSTS", "127.0.0.1,localhost")

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

# The proxies firmid sits behind (addresses or CIDR networks; docs/deployment.md). Only their
# X-Forwarded-For and X-Forwarded-Proto are believed; empty: the peer is the client.
FIRMID_TRUSTED_PROXIES = env.networks("FIRMID_TRUSTED_PROXIES", "")
