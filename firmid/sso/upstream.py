"""firmid as a relying party of a firm's OpenID Connect provider: discovery, keys, code, ID token.

Authlib builds the authorization request and exchanges the code (PKCE S256); joserfc checks
the ID token. Everything an upstream answers is checked here, and every failure is an
`UpstreamError` whose `problem` is the audit reason and whose message says it in plain words,
in the language of the person who reads it (the page's, or the command's `--language`).
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlparse

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from firmid.core import clock
from firmid.sso.app_settings import sso_settings

DISCOVERY_PATH = "/.well-known/openid-configuration"
# Asymmetric signatures only: "none" and HS* (keyed with the client secret) are refused.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]


class Problem(StrEnum):
    """What went wrong with an upstream provider (the audit reason)."""

    INSECURE = "insecure_url"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    TLS = "tls"
    NOT_OIDC = "not_openid_configuration"
    WRONG_ISSUER = "wrong_issuer"
    NO_S256 = "no_pkce_s256"
    NO_CODE_FLOW = "no_code_flow"
    NO_JWKS = "no_jwks"
    BAD_JWKS = "bad_jwks"
    UPSTREAM_ERROR = "upstream_error"
    TOKEN_ERROR = "token_error"  # noqa: S105 - a reason, not a secret
    BAD_ID_TOKEN = "bad_id_token"  # noqa: S105 - a reason, not a secret


# What each checked address is, as the messages name it.
WHAT = {
    "issuer": gettext_lazy("The issuer"),
    "discovery document": gettext_lazy("The discovery document"),
    "key set": gettext_lazy("The key set"),
    "authorization endpoint": gettext_lazy("The authorization endpoint"),
    "token endpoint": gettext_lazy("The token endpoint"),
    "jwks uri": gettext_lazy("The key set address (jwks_uri)"),
    "userinfo endpoint": gettext_lazy("The userinfo endpoint"),
}


def _named(what: str, url: str) -> dict[str, object]:
    return {"what": WHAT.get(what, what), "url": url}


class UpstreamError(Exception):
    def __init__(self, problem: Problem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message


@dataclass(frozen=True)
class Metadata:
    """What firmid uses of an upstream's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    token_auth_methods: tuple[str, ...] = ()
    acr_values: tuple[str, ...] = ()
    announces_pkce: bool = True


def check_url(url: str, *, what: str) -> None:
    """Refuse a URL firmid would not call: https only (http on loopback where the settings allow it)."""
    parts = urlparse(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and sso_settings.SSO_ALLOW_HTTP_LOOPBACK and _loopback(parts.hostname or ""):
        return
    raise UpstreamError(Problem.INSECURE, _("%(what)s (%(url)s) must be an https:// address.") % _named(what, url))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _get_json(url: str, *, what: str) -> Any:
    check_url(url, what=what)
    try:
        response = requests.get(url, timeout=sso_settings.SSO_TIMEOUT_SECONDS, allow_redirects=False)
    except requests.exceptions.SSLError as error:
        message = _("%(what)s (%(url)s) has no valid TLS certificate: %(error)s.")
        raise UpstreamError(Problem.TLS, message % {**_named(what, url), "error": error}) from error
    except requests.exceptions.Timeout as error:
        message = _("%(what)s (%(url)s) did not answer within %(seconds)s seconds.")
        seconds = sso_settings.SSO_TIMEOUT_SECONDS
        raise UpstreamError(Problem.TIMEOUT, message % {**_named(what, url), "seconds": seconds}) from error
    except requests.exceptions.RequestException as error:
        raise UpstreamError(
            Problem.UNREACHABLE, _("%(what)s (%(url)s) cannot be reached.") % _named(what, url)
        ) from error
    if response.status_code != 200:
        problem = Problem.BAD_JWKS if what == "key set" else Problem.UNREACHABLE
        message = _("%(what)s (%(url)s) answered HTTP %(status)s.")
        raise UpstreamError(problem, message % {**_named(what, url), "status": response.status_code})
    try:
        return response.json()
    except ValueError as error:
        problem = Problem.BAD_JWKS if what == "key set" else Problem.NOT_OIDC
        raise UpstreamError(problem, _("%(what)s (%(url)s) is not JSON.") % _named(what, url)) from error


def _key(kind: str, url: str) -> str:
    return f"sso:{kind}:{hashlib.sha256(url.encode()).hexdigest()}"


def discover(issuer: str, *, fresh: bool = False) -> Metadata:
    """Return the upstream's metadata, checked (OIDC Discovery 1.0 §4.3): cached, unless `fresh`."""
    url = issuer.rstrip("/") + DISCOVERY_PATH
    document = None if fresh else cache.get(_key("discovery", url))
    if document is None:
        document = _get_json(url, what="discovery document")
        metadata = _metadata(issuer, document)
        cache.set(_key("discovery", url), document, sso_settings.SSO_METADATA_CACHE_SECONDS)
        return metadata
    return _metadata(issuer, document)


def _metadata(issuer: str, document: Any) -> Metadata:
    if not isinstance(document, dict) or not isinstance(document.get("authorization_endpoint"), str):
        raise UpstreamError(Problem.NOT_OIDC, _("The discovery document is not an OpenID Connect configuration."))
    if document.get("issuer") != issuer:
        message = _("The provider says its issuer is %(found)s, not %(expected)s: check the issuer URL.")
        raise UpstreamError(
            Problem.WRONG_ISSUER, message % {"found": repr(document.get("issuer")), "expected": repr(issuer)}
        )
    # Absent (Entra ID's v2.0 document): firmid sends S256 all the same. Announced without it: refused.
    methods = document.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise UpstreamError(Problem.NO_S256, _("The provider does not announce PKCE with S256, which firmid requires."))
    if "code" not in (document.get("response_types_supported") or ["code"]):
        raise UpstreamError(Problem.NO_CODE_FLOW, _("The provider does not offer the authorization code flow."))
    if not isinstance(document.get("jwks_uri"), str) or not isinstance(document.get("token_endpoint"), str):
        raise UpstreamError(Problem.NO_JWKS, _("The provider publishes no key set (jwks_uri) or no token endpoint."))
    for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        check_url(document[field], what=field.replace("_", " "))
    return Metadata(
        issuer=issuer,
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        userinfo_endpoint=document.get("userinfo_endpoint") or "",
        token_auth_methods=tuple(document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]),
        acr_values=tuple(document.get("acr_values_supported") or ()),
        announces_pkce=methods is not None,
    )


def signing_keys(metadata: Metadata, *, fresh: bool = False) -> KeySet:
    """Return the upstream's published keys: cached, unless `fresh` (a kid firmid has not seen yet)."""
    kept = None if fresh else cache.get(_key("jwks", metadata.jwks_uri))
    document = kept if kept is not None else _get_json(metadata.jwks_uri, what="key set")
    try:
        keys = KeySet.import_key_set(document)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise UpstreamError(Problem.BAD_JWKS, _("The provider's key set holds no usable key.")) from error
    if kept is None:  # kept from its fetch on, not from each use: a withdrawn key goes within the hour
        cache.set(_key("jwks", metadata.jwks_uri), document, sso_settings.SSO_METADATA_CACHE_SECONDS)
    return keys


def client_session(*, client_id: str, client_secret: str, redirect_uri: str, scope: str, metadata: Metadata):  # noqa: ANN201
    """An Authlib session for one round trip: PKCE S256, the client's secret by Basic (else POST)."""
    method = "client_secret_basic" if "client_secret_basic" in metadata.token_auth_methods else "client_secret_post"
    return OAuth2Session(
        client_id=client_id,
        client_secret=client_secret,
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method=method,
    )


def authorization_url(session, *, metadata: Metadata, state: str, nonce: str, verifier: str, **params: str) -> str:  # noqa: ANN001
    """The URL that sends the browser to the upstream: code flow, PKCE S256, state and nonce."""
    url, _state = session.create_authorization_url(
        metadata.authorization_endpoint, state=state, nonce=nonce, code_verifier=verifier, **params
    )
    return url


def exchange_code(session, *, metadata: Metadata, code: str, verifier: str) -> dict:  # noqa: ANN001
    """Exchange the code for the upstream's tokens (back channel, bounded by the timeout)."""
    try:
        token = session.fetch_token(
            metadata.token_endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
            timeout=sso_settings.SSO_TIMEOUT_SECONDS,
            allow_redirects=False,  # the code and the secret go to the announced endpoint, nowhere else
        )
    except requests.exceptions.Timeout as error:
        raise UpstreamError(Problem.TIMEOUT, _("The provider's token endpoint did not answer in time.")) from error
    except requests.exceptions.RequestException as error:
        raise UpstreamError(Problem.UNREACHABLE, _("The provider's token endpoint cannot be reached.")) from error
    except (OAuthError, ValueError) as error:
        message = _("The provider refused the sign-in code (%(error)s).") % {"error": error}
        raise UpstreamError(Problem.TOKEN_ERROR, message) from error
    if not isinstance(token, dict) or not isinstance(token.get("id_token"), str):
        raise UpstreamError(Problem.TOKEN_ERROR, _("The provider's token response has no ID token."))
    return dict(token)


def verify_id_token(raw: str, *, metadata: Metadata, client_id: str, nonce: str) -> dict:
    """Return the ID token's claims once its signature, iss, aud, azp, exp, iat and nonce hold."""
    token = _decode(raw, metadata)
    claims = token.claims
    now = int(clock.timestamp())
    skew = sso_settings.SSO_CLOCK_SKEW_SECONDS
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=skew,
        iss={"essential": True, "value": metadata.issuer},
        sub={"essential": True},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as error:
        message = _("The provider's ID token was refused: %(error)s.") % {"error": error}
        raise UpstreamError(Problem.BAD_ID_TOKEN, message) from error
    if claims.get("nonce") != nonce:  # a string equal to ours: joserfc would accept a list holding it
        raise UpstreamError(Problem.BAD_ID_TOKEN, _("The ID token's nonce is not the one firmid sent."))
    _check_times_and_party(claims, client_id=client_id, now=now, skew=skew)
    return claims


def _decode(raw: str, metadata: Metadata):  # noqa: ANN202
    for fresh in (False, True):  # a kid not in the kept keys: the provider rotated, fetch them once more
        keys = signing_keys(metadata, fresh=fresh)
        try:
            return jwt.decode(raw, keys, algorithms=ALGORITHMS)
        except InvalidKeyIdError as error:
            if fresh:
                raise UpstreamError(
                    Problem.BAD_ID_TOKEN, _("The ID token is signed by a key the provider does not publish.")
                ) from error
        except (JoseError, ValueError) as error:
            message = _("The ID token's signature does not verify (%(error)s).") % {"error": error}
            raise UpstreamError(Problem.BAD_ID_TOKEN, message) from error
    raise AssertionError("unreachable")


def _check_times_and_party(claims: dict, *, client_id: str, now: int, skew: int) -> None:
    iat = claims.get("iat")
    if (
        not isinstance(iat, int | float)
        or iat > now + skew
        or iat < now - sso_settings.SSO_ID_TOKEN_MAX_AGE_SECONDS - skew
    ):
        raise UpstreamError(Problem.BAD_ID_TOKEN, _("The ID token's issue time (iat) is outside the accepted window."))
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:  # OIDC Core 3.1.3.7, items 4 and 5
        raise UpstreamError(Problem.BAD_ID_TOKEN, _("The ID token names several audiences but not firmid as azp."))
    if not isinstance(claims.get("sub"), str) or not 0 < len(claims["sub"]) <= 255:
        raise UpstreamError(Problem.BAD_ID_TOKEN, _("The ID token's subject (sub) is missing or too long."))


def fetch_userinfo(*, metadata: Metadata, access_token: str, subject: str) -> dict:
    """The userinfo claims, when the ID token lacks the email: only if they name the same subject."""
    if not metadata.userinfo_endpoint:
        return {}
    check_url(metadata.userinfo_endpoint, what="userinfo endpoint")
    try:
        response = requests.get(
            metadata.userinfo_endpoint,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=sso_settings.SSO_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        claims = response.json() if response.status_code == 200 else {}
    except (requests.exceptions.RequestException, ValueError):
        return {}
    return claims if isinstance(claims, dict) and claims.get("sub") == subject else {}
