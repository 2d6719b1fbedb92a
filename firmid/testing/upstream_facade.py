"""A misbehaving upstream: an issuer of its own in front of a running UpstreamIdP, with faults.

`TamperingIssuer(upstream)` serves, on a free loopback port, the upstream's discovery
document with its own issuer and its own key set, proxies every other request (the sign-in
pages, the authorization and userinfo endpoints) to the upstream, and on the token endpoint
takes the upstream's ID token, verifies it with the upstream's keys and signs it again with
its own key (kid "facade-1"; `rotate()` adds "facade-2") with iss = itself, applying
`fault` (one of FAULTS, settable at any time). The authorization endpoint goes through the
facade too, because oidc-provider puts its own issuer in the authorization response's
`iss` (RFC 9207): the facade writes its own there, as a real issuer would.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from jwcrypto import jwk, jwt
from jwcrypto.common import base64url_encode

from firmid.testing.upstream import UpstreamIdP, rsa_jwk

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/facade/jwks"
TOKEN_PATH = "/facade/token"
FAULTS = frozenset(
    {
        *("wrong_iss", "wrong_aud", "bad_signature", "expired", "iat_future", "wrong_nonce", "no_nonce"),
        *("alg_none", "unknown_kid", "no_mfa", "token_error", "slow", "discovery_wrong_issuer"),
        *("discovery_no_s256", "discovery_no_jwks", "jwks_down"),
    }
)
HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"})


class TamperingIssuer:
    """The facade: `.issuer`, `.fault`, `.delay` (for "slow"), `.rotate()`, `.stop()`."""

    def __init__(self, upstream: UpstreamIdP, *, fault: str | None = None, delay: float = 5.0) -> None:
        self.upstream = upstream
        self.fault = fault
        self.delay = delay
        self.keys = [jwk.JWK(**rsa_jwk("facade-1"))]
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="tampering-issuer", daemon=True)
        self._thread.start()

    @property
    def fault(self) -> str | None:
        return self._fault

    @fault.setter
    def fault(self, value: str | None) -> None:
        if value is not None and value not in FAULTS:
            raise ValueError(f"unknown fault {value!r}: one of {sorted(FAULTS)}")
        self._fault = value

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        return self.issuer

    def rotate(self) -> None:
        """Sign with a new key, "facade-2", and keep publishing the old one."""
        self.keys.insert(0, jwk.JWK(**rsa_jwk(f"facade-{len(self.keys) + 1}")))

    def jwks(self) -> dict:
        return {"keys": [key.export_public(as_dict=True) for key in self.keys]}

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what it serves --------------------------------------------------------------------

    def discovery(self) -> dict:
        if self.fault == "slow":
            time.sleep(self.delay)
        text = json.dumps(self.upstream.discovery()).replace(self.upstream.issuer, self.issuer)
        document = {**json.loads(text), "jwks_uri": self.issuer + JWKS_PATH, "token_endpoint": self.issuer + TOKEN_PATH}
        if self.fault == "discovery_wrong_issuer":
            document["issuer"] = self.upstream.issuer
        elif self.fault == "discovery_no_s256":
            document["code_challenge_methods_supported"] = ["plain"]
        elif self.fault == "discovery_no_jwks":
            del document["jwks_uri"]
        return document

    def token(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
        """Forward the code exchange; return the upstream's answer with its ID token re-signed."""
        if self.fault == "slow":
            time.sleep(self.delay)
        if self.fault == "token_error":
            return 400, {"error": "invalid_grant", "error_description": "the facade refuses the code"}
        answer = requests.post(
            self.upstream.discovery()["token_endpoint"], data=body, headers=headers, timeout=30, allow_redirects=False
        )
        payload = answer.json()
        if answer.status_code == 200 and "id_token" in payload:
            payload["id_token"] = self.resign(payload["id_token"])
        return answer.status_code, payload

    def resign(self, id_token: str) -> str:
        """The upstream's ID token, verified, then signed by the facade with the fault applied."""
        upstream_keys = jwk.JWKSet.from_json(json.dumps(self.upstream.jwks()))
        claims = json.loads(jwt.JWT(jwt=id_token, key=upstream_keys, expected_type="JWS").claims)
        claims = _tampered({**claims, "iss": self.issuer}, fault=self.fault, upstream=self.upstream)
        if self.fault == "alg_none":
            return _unsigned(claims)
        key, kid = self.keys[0], self.keys[0]["kid"]
        if self.fault in {"bad_signature", "unknown_kid"}:
            key = jwk.JWK.generate(kty="RSA", size=2048)  # published nowhere
            kid = kid if self.fault == "bad_signature" else "facade-unknown"
        token = jwt.JWT(header={"alg": "RS256", "kid": kid, "typ": "JWT"}, claims=claims)
        token.make_signed_token(key)
        return token.serialize()

    def rewrite_location(self, location: str) -> str:
        """A redirect of the upstream's, as the facade gives it: its origin and `iss` become the facade's."""
        location = location.replace(self.upstream.issuer, self.issuer)
        parts = urlsplit(location)
        query = [(k, self.issuer if k == "iss" and v == self.upstream.issuer else v) for k, v in parse_qsl(parts.query)]
        return urlunsplit(parts._replace(query=urlencode(query))) if parts.query else location


def _tampered(claims: dict, *, fault: str | None, upstream: UpstreamIdP) -> dict:
    now = int(time.time())
    changes = {
        "wrong_iss": {"iss": upstream.issuer},
        "wrong_aud": {"aud": "someone-else"},
        "expired": {"exp": now - 600},
        "iat_future": {"iat": now + 3600, "exp": now + 7200},
        "wrong_nonce": {"nonce": secrets.token_urlsafe(16)},
        "no_mfa": {"amr": ["pwd"], "acr": upstream.acr["password"]},
    }.get(fault or "", {})
    claims = {**claims, **changes}
    if fault == "no_nonce":
        claims.pop("nonce", None)
    return claims


def _unsigned(claims: dict) -> str:
    header = base64url_encode(json.dumps({"alg": "none", "typ": "JWT"}))
    return f"{header}.{base64url_encode(json.dumps(claims))}."


def _handler(facade: TamperingIssuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            pass  # quiet: pytest shows the test's own output

        def do_GET(self) -> None:
            if self.path == DISCOVERY_PATH:
                return self._json(200, facade.discovery())
            if self.path == JWKS_PATH:
                if facade.fault == "jwks_down":
                    return self._json(503, {"error": "temporarily_unavailable"})
                return self._json(200, facade.jwks())
            return self._proxy()

        def do_POST(self) -> None:
            if self.path == TOKEN_PATH:
                forwarded = {k: v for k, v in self.headers.items() if k.lower() in {"authorization", "content-type"}}
                return self._json(*facade.token(self._body(), forwarded))
            return self._proxy()

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _json(self, status: int, document: dict) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _proxy(self) -> None:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            answer = requests.request(
                self.command,
                facade.upstream.url + self.path,
                data=self._body() if self.command == "POST" else None,
                headers=headers,
                allow_redirects=False,
                timeout=30,
            )
            self.send_response(answer.status_code)
            for name, value in answer.raw.headers.items():
                if name.lower() not in HOP_HEADERS:
                    self.send_header(name, facade.rewrite_location(value) if name.lower() == "location" else value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

    return Handler
