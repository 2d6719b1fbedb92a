"""A relying party inside Django's test client, doing what the OpenID Foundation's suite checks.

The conformance tests (test_conformance_*.py) are named after the modules of the OpenID
Foundation's Basic OP certification plan (oidcc-*). Each one drives the real endpoints
and checks the responses as OpenID Connect Core 1.0, RFC 6749, RFC 7636, RFC 9207 and
RFC 9700 say. This module is their relying party: authorization requests with fresh
state, nonce and PKCE S256 pair, the callback's checks (state and RFC 9207 `iss` echoed),
token requests with each client authentication method, and a full ID token validation
(OIDC Core 3.1.3.7) against the published JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote_plus, urlencode, urlparse

from django.conf import settings
from django.test import Client
from jwcrypto import jwk, jwt

from firmid.testing.codes import code_now
from firmid.testing.signin import LOGIN, MFA, sign_in

AUTHORIZE = "/oauth/authorize/"
TOKEN = "/oauth/token/"
USERINFO = "/oauth/userinfo/"
REVOKE = "/oauth/revoke/"
INTROSPECT = "/oauth/introspect/"
LOGOUT = "/oauth/logout/"
DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/.well-known/jwks.json"
REDIRECT = "http://127.0.0.1:9999/callback"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def issuer() -> str:
    return settings.FIRMID_ISSUER


@dataclass
class AuthRequest:
    """One authorization request of the relying party, and what it keeps to check the answer."""

    params: dict[str, str]
    verifier: str = ""
    extra_query: str = ""

    @property
    def url(self) -> str:
        query = urlencode(self.params)
        return f"{AUTHORIZE}?{query}{'&' + self.extra_query if self.extra_query else ''}"

    @property
    def state(self) -> str | None:
        return self.params.get("state")

    @property
    def nonce(self) -> str | None:
        return self.params.get("nonce")


def auth_request(registration, *, scope: str = "openid", drop: tuple[str, ...] = (), **extra: str) -> AuthRequest:
    """A code-flow request with fresh state, nonce and PKCE S256 pair; `drop` removes parameters."""
    verifier = secrets.token_urlsafe(48)
    params = {
        "response_type": "code",
        "client_id": registration.application.client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": secrets.token_urlsafe(12),
        "nonce": secrets.token_urlsafe(12),
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        **extra,
    }
    for name in drop:
        params.pop(name, None)
    return AuthRequest(params, verifier)


def redirect_params(response, request: AuthRequest | None = None) -> dict[str, str]:
    """The authorization response at the redirect URI: state and `iss` (RFC 9207) echoed, no fragment."""
    assert response.status_code == 302, (response.status_code, response.content[:500])
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT, response["Location"]
    assert not location.fragment, "the code flow answers in the query, never in the fragment"
    query = parse_qs(location.query, keep_blank_values=True)
    assert all(len(values) == 1 for values in query.values()), query
    params = {k: v[0] for k, v in query.items()}
    assert params.get("iss") == issuer(), f"RFC 9207: iss must be {issuer()!r}, got {params.get('iss')!r}"
    if request is not None:
        assert params.get("state") == request.state
    return params


def code_of(response, request: AuthRequest) -> str:
    params = redirect_params(response, request)
    assert "error" not in params, params
    return params["code"]


def error_of(response, request: AuthRequest | None = None) -> str:
    params = redirect_params(response, request)
    assert "code" not in params, params
    return params["error"]


def goes_to_login(response) -> bool:
    return response.status_code == 302 and urlparse(response["Location"]).path == LOGIN


def basic(client_id: str, secret: str) -> str:
    # RFC 6749 2.3.1: client id and secret are form-urlencoded before the Basic encoding.
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def token_post(data: dict, *, registration=None, auth: str = "basic", **headers: str):
    """POST to the token endpoint as the client: auth is "basic", "post" (body) or "none"."""
    data = dict(data)
    if registration is not None and auth == "basic":
        headers["HTTP_AUTHORIZATION"] = basic(registration.application.client_id, registration.client_secret)
    elif registration is not None and auth == "post":
        data.update(client_id=registration.application.client_id, client_secret=registration.client_secret)
    elif registration is not None and auth == "none":
        data.update(client_id=registration.application.client_id)
    return Client().post(TOKEN, data, **headers)


def exchange(registration, code: str, verifier: str | None, *, auth: str = "basic", redirect_uri: str = REDIRECT):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    return token_post(data, registration=registration, auth=auth)


def refresh(registration, refresh_token: str, *, auth: str = "basic"):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return token_post(data, registration=registration, auth=auth)


def oauth_error(response, status: int = 400) -> str:
    """The RFC 6749 5.2 error of a token-endpoint-style JSON response."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()["error"]


def tokens_ok(response) -> dict:
    """RFC 6749 5.1: 200, JSON, no caching, a Bearer token."""
    assert response.status_code == 200, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"].lower() == "bearer"
    assert body["access_token"]
    assert body["expires_in"] > 0
    return body


def jwks(client: Client | None = None) -> jwk.JWKSet:
    response = (client or Client()).get(JWKS)
    assert response.status_code == 200
    return jwk.JWKSet.from_json(response.content)


def at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


_ABSENT = object()


@dataclass
class IdToken:
    header: dict
    claims: dict
    raw: str = field(repr=False)


def verify_id_token(
    token: str,
    *,
    registration,
    nonce: str | None | object = _ABSENT,
    access_token: str | None = None,
    keys: jwk.JWKSet | None = None,
    skew: int = 60,
) -> IdToken:
    """Validate an ID token as OIDC Core 3.1.3.7 tells a client to; return its header and claims.

    nonce: the value sent (must be echoed), None (none sent: must be absent), or left out.
    """
    keys = keys or jwks()
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==="))
    assert header["alg"] == "RS256", header  # never "none", never HS256 with the secret
    assert keys.get_key(header["kid"]) is not None, "the signing key must be in the JWKS"
    # Signature against the JWKS (jwcrypto picks the key by kid); no claim checks here, they follow.
    verified = jwt.JWT(jwt=token, key=keys, algs=["RS256"], check_claims=False)
    claims = json.loads(verified.claims)
    now = time.time()
    assert claims["iss"] == issuer()
    client_id = registration.application.client_id
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    assert client_id in audience
    if len(audience) > 1:
        assert claims["azp"] == client_id
    assert isinstance(claims["exp"], int)
    assert claims["exp"] > now - skew
    assert isinstance(claims["iat"], int)
    assert claims["iat"] <= now + skew
    assert claims["exp"] - claims["iat"] == settings.OAUTH2_PROVIDER["ID_TOKEN_EXPIRE_SECONDS"]
    assert uuid.UUID(claims["sub"])
    assert claims["sub"] == str(uuid.UUID(claims["sub"]))
    assert isinstance(claims["auth_time"], int)
    assert claims["auth_time"] <= claims["iat"] + 1
    assert claims["acr"] in ("urn:firmid:acr:pwd", "urn:firmid:acr:mfa")
    assert isinstance(claims["amr"], list)
    assert claims["amr"]
    if nonce is not _ABSENT:
        assert claims.get("nonce") == nonce
    if access_token is not None and "at_hash" in claims:
        assert claims["at_hash"] == at_hash(access_token)
    return IdToken(header, claims, token)


def code_flow(client: Client, registration, user, password: str, *, scope: str = "openid", **extra: str):
    """Sign `user` in (if needed) and run a whole code flow; return (request, token response body)."""
    request = auth_request(registration, scope=scope, **extra)
    response = client.get(request.url)
    if goes_to_login(response):
        response = sign_in(client, user.email, password, request.url)
        assert response.status_code == 302, response
        assert response["Location"] == request.url, response
        response = client.get(request.url)
    code = code_of(response, request)
    body = tokens_ok(exchange(registration, code, request.verifier))
    return request, body


def demo_rp_tokens(email: str, password: str, totp_secret: str | None = None) -> dict:
    """Sign `email` in to the demo application "Documents" through the code flow; return its tokens."""
    from firmid.demo.data import DEMO_RP_CLIENT_ID, DEMO_RP_URL

    browser = Client()
    assert sign_in(browser, email, password).status_code == 302
    if totp_secret:
        second = browser.post(MFA, {"code": code_now(totp_secret)})
        assert second.status_code == 302, second.content
    verifier = secrets.token_urlsafe(48)
    redirect_uri = f"{DEMO_RP_URL}callback"
    query = urlencode(
        {
            "response_type": "code",
            "client_id": DEMO_RP_CLIENT_ID,
            "redirect_uri": redirect_uri,
            "scope": "openid profile email",
            "state": "s",
            "nonce": "n",
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
        }
    )
    response = browser.get(f"{AUTHORIZE}?{query}")
    code = parse_qs(urlparse(response.url).query)["code"][0]
    exchanged = Client().post(
        TOKEN,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": DEMO_RP_CLIENT_ID,
            "client_secret": settings.FIRMID_DEMO_RP_SECRET,
        },
    )
    assert exchanged.status_code == 200, exchanged.content
    return exchanged.json()
