"""firmid's side of a code flow against an upstream, played by hand: for tests without firmid.

The harness's own tests (firmid/testing/tests/) use it, and so may any test that needs an
upstream's callback or ID token without going through firmid: PKCE S256, state, nonce,
client_secret_basic, the ID token checked against the published keys with jwcrypto.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import requests
from jwcrypto import jwk, jwt

from firmid.testing.upstream import CLIENT_ID, CLIENT_SECRET, PASSWORD, REDIRECT_URIS, upstream_sign_in

CALLBACK = REDIRECT_URIS[0]


class Flow:
    """One code flow against an issuer (the provider or a tampering issuer), as firmid runs it."""

    def __init__(self, issuer: str, **extra: str) -> None:
        self.discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
        self.verifier = secrets.token_urlsafe(48)
        self.nonce = secrets.token_urlsafe(16)
        self.state = secrets.token_urlsafe(16)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()
        params = {
            "client_id": CLIENT_ID,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "openid email profile",
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **extra,
        }
        params = {name: value for name, value in params.items() if value}  # "": leave it out
        self.authorize_url = f"{self.discovery['authorization_endpoint']}?{urlencode(params)}"

    def sign_in(self, email: str, *, totp_secret: str | None = None, session: requests.Session | None = None) -> dict:
        """Sign in through the pages; return the callback's query parameters (one value each)."""
        callback = upstream_sign_in(
            self.authorize_url,
            email=email,
            password=PASSWORD,
            totp_secret=totp_secret,
            stop_at=CALLBACK,
            session=session,
        )
        query = {name: values[0] for name, values in parse_qs(urlparse(callback).query).items()}
        assert query["state"] == self.state
        return query

    def exchange(self, code: str) -> requests.Response:
        return requests.post(
            self.discovery["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": CALLBACK,
                "code_verifier": self.verifier,
            },
            auth=(CLIENT_ID, CLIENT_SECRET),
            timeout=30,
        )

    def id_token(self, email: str, **options) -> str:
        answer = self.exchange(self.sign_in(email, **options)["code"])
        assert answer.status_code == 200, answer.text
        return answer.json()["id_token"]

    def claims(self, email: str, **options) -> dict:
        """Sign in and return the ID token's claims, its signature checked against the published keys."""
        raw = self.id_token(email, **options)
        keys = jwk.JWKSet.from_json(requests.get(self.discovery["jwks_uri"], timeout=10).text)
        return json.loads(jwt.JWT(jwt=raw, key=keys, expected_type="JWS").claims)


def header(raw: str) -> dict:
    """A JWT's header, unverified."""
    return json.loads(base64.urlsafe_b64decode(raw.split(".")[0] + "=="))


def payload(raw: str) -> dict:
    """A JWT's claims, unverified."""
    return json.loads(base64.urlsafe_b64decode(raw.split(".")[1] + "=="))


def first_page(session: requests.Session, url: str) -> requests.Response | str:
    """Follow redirects from `url`: the callback URL if reached, else the page shown."""
    response = session.get(url, allow_redirects=False, timeout=30)
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(CALLBACK):
            return location
        response = session.get(location, allow_redirects=False, timeout=30)
    return response
