"""Input checks of an authorization request: what oauthlib lets through but firmid must refuse.

These answer a request that no sign-in can make valid, before anyone is asked to sign in
(OIDC Core 3.1.2.2 before 3.1.2.3). Who may have a code is the door's (`firmid.oidc.door`).
"""

from __future__ import annotations

import re

from django.http import HttpRequest
from oauth2_provider.oauth2_validators import is_valid_resource_uri

from firmid.oidc.responses import RESPONSE_MODES

# The prompt values firmid honours. consent is refused (consent_required): the firm registers
# its applications, and firmid shows no consent screen. select_account is the sign-in page.
PROMPTS = {"none", "login", "select_account"}
# RFC 7636 4.2: BASE64URL(SHA256(verifier)) is 43 characters of [A-Za-z0-9-_]; the grant keeps 128.
CODE_CHALLENGE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
NONCE_MAX = 255  # the grant's nonce column: longer would fail to save (a 500 on PostgreSQL)
QUERY_MAX = 8192  # bytes of an authorization request: longer is 414, as most servers answer anyway


def max_age(request: HttpRequest) -> int | None:
    """Return the request's max_age in seconds, None if absent or not a number."""
    raw = request.GET.get("max_age", "")
    # At most 12 digits (30,000 years): int() of thousands of digits raises, a 500.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None


def prompt_values(request: HttpRequest) -> frozenset[str]:
    """Return the request's prompt values (OIDC Core 3.1.2.1: space-delimited)."""
    return frozenset(request.GET.get("prompt", "").split())


def malformed(request: HttpRequest) -> tuple[str, str] | None:
    """Return the error (and its description) of a request firmid must refuse, else None."""
    return _unsupported(request) or _invalid_value(request)


def _unsupported(request: HttpRequest) -> tuple[str, str] | None:
    """What the request asks for that firmid does not do: refused, never silently ignored."""
    if "request" in request.GET:
        return "request_not_supported", "Request objects are not supported."  # OIDC Core 6.1
    if "request_uri" in request.GET:
        return "request_uri_not_supported", "request_uri is not supported."
    if request.GET.get("response_mode", "query") not in RESPONSE_MODES:
        return "invalid_request", "response_mode must be query or form_post."
    if "consent" in prompt_values(request):  # OIDC Core 3.1.2.1: cannot obtain consent, so the error
        return "consent_required", "firmid shows no consent screen: the firm registered this application."
    if not prompt_values(request) <= PROMPTS:
        return "invalid_request", "Unsupported prompt value."
    return None


def _invalid_value(request: HttpRequest) -> tuple[str, str] | None:
    if not CODE_CHALLENGE.fullmatch(request.GET.get("code_challenge", "")):
        return "invalid_request", "code_challenge must be a BASE64URL S256 challenge (RFC 7636 4.2)."
    if request.GET.get("code_challenge_method") != "S256":  # DOT refuses plain only as it saves the code
        return "invalid_request", "code_challenge_method must be S256 (RFC 9700 2.1.1)."
    if len(request.GET.get("nonce", "")) > NONCE_MAX:
        return "invalid_request", f"nonce may have at most {NONCE_MAX} characters."
    duplicated = sorted(k for k, values in request.GET.lists() if len(values) > 1)
    if duplicated:  # RFC 6749 3.1: parameters MUST NOT be included more than once
        return "invalid_request", f"Repeated parameter: {duplicated[0][:40]}."
    if "max_age" in request.GET and max_age(request) is None:
        return "invalid_request", "max_age must be a number of seconds."
    if not all(is_valid_resource_uri(uri) for uri in request.GET.getlist("resource")):
        return "invalid_target", "resource must be an absolute URI (RFC 8707)."
    return None
