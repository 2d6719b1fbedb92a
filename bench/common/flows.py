"""One full OpenID Connect sign-in: authorization request, password, TOTP, code, tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import struct
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlparse

from bench.common.clients import Http, Reply
from bench.common.seed import BENCH_PASSWORD, BenchApp, BenchUser

SIGN_IN_STEPS = (
    "authorize",
    "login page",
    "address",
    "password",
    "code page",
    "code",
    "authorize again",
    "token",
)
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class SignInError(Exception):
    def __init__(self, step: str, reply: Reply | None, detail: str = "") -> None:
        self.step = step
        super().__init__(f"{step}: HTTP {reply.status if reply else '-'} {detail}".strip())


def totp_now(secret: str, period: int = 30, digits: int = 6) -> str:
    """Return what the user's phone shows now: RFC 6238 (SHA-1), independent of firmid's code."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // period), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def pkce_pair() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(os.urandom(48)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@dataclass(frozen=True)
class _Request:
    """What the application keeps between its authorization request and its token request."""

    verifier: str
    challenge: str
    state: str
    nonce: str

    @classmethod
    def new(cls) -> _Request:
        verifier, challenge = pkce_pair()
        return cls(verifier, challenge, uuid.uuid4().hex, uuid.uuid4().hex)


def _csrf(reply: Reply, step: str) -> str:
    match = _CSRF.search(reply.text)
    if reply.status != 200 or not match:
        raise SignInError(step, reply, "no sign-in form")
    return match.group(1)


def _path(location: str) -> str:
    parts = urlparse(location)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def sign_in(
    http: Http,
    app: BenchApp,
    user: BenchUser,
    password: str = BENCH_PASSWORD,
    on_step: Callable[[str], None] | None = None,
) -> dict:
    """Sign in: authorization request (PKCE S256, state, nonce) → password → TOTP → code → tokens.

    Every request is checked; the code is read from the redirect to the application, which
    is never fetched. `on_step(name)` is called after each step (the in-process count uses it).
    """
    step = on_step or (lambda name: None)
    request = _Request.new()
    login_url = _authorize(http, app, request)
    step("authorize")
    reply = _password(http, login_url, user.email, password, step)
    step("password")
    if user.totp_secret:
        reply = _code(http, reply, user.totp_secret, step)
        step("code")
    redirect = _authorize_again(http, app, request, reply, after="code" if user.totp_secret else "password")
    step("authorize again")
    tokens = _token(http, app, request, redirect)
    step("token")
    return json.loads(tokens)


def _authorize(http: Http, app: BenchApp, request: _Request) -> str:
    """Send the authorization request; return the sign-in page it sends the browser to."""
    reply = http.get(
        "/oauth/authorize/?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": app.client_id,
                "redirect_uri": app.redirect_uri,
                "scope": "openid profile email",
                "state": request.state,
                "nonce": request.nonce,
                "code_challenge": request.challenge,
                "code_challenge_method": "S256",
            }
        )
    )
    if reply.status != 302 or "/accounts/login/" not in reply.location:
        raise SignInError("authorize", reply, "not sent to sign in")
    return _path(reply.location)


def _password(http: Http, login_url: str, email: str, password: str, step: Callable[[str], None]) -> Reply:
    """Open the sign-in page, give the address (identifier first), then the password; return the redirect."""
    next_url = parse_qs(urlparse(login_url).query).get("next", [""])[0]
    token = _csrf(http.get(login_url), "login page")
    step("login page")
    identified = http.post(login_url, {"login": email, "csrfmiddlewaretoken": token, "next": next_url})
    token = _csrf(identified, "address")  # answered by the password step, on the same page
    step("address")
    reply = http.post(
        login_url,
        {"login": email, "password": password, "csrfmiddlewaretoken": token, "next": next_url},
    )
    if reply.status != 302:
        raise SignInError("password", reply, "password refused")
    return reply


def _code(http: Http, reply: Reply, secret: str, step: Callable[[str], None]) -> Reply:
    """Follow the password's redirect to the code page and post the current TOTP code."""
    if "/2fa/authenticate/" not in reply.location:
        raise SignInError("password", reply, f"not asked for a code ({reply.location})")
    code_url = _path(reply.location)
    token = _csrf(http.get(code_url), "code page")
    step("code page")
    reply = http.post(code_url, {"code": totp_now(secret), "csrfmiddlewaretoken": token})
    if reply.status != 302:
        raise SignInError("code", reply, "code refused")
    return reply


def _authorize_again(http: Http, app: BenchApp, request: _Request, reply: Reply, *, after: str) -> dict[str, list[str]]:
    """Follow the redirect back to the authorization endpoint; return the query it gives the application."""
    if not _path(reply.location).startswith("/oauth/authorize/"):
        raise SignInError(after, reply, f"not sent back ({reply.location})")
    reply = http.get(_path(reply.location))
    query = parse_qs(urlparse(reply.location).query)
    if reply.status != 302 or not reply.location.startswith(app.redirect_uri) or query.get("state") != [request.state]:
        raise SignInError("authorize again", reply, f"no code ({reply.location[:120]})")
    return query


def _token(http: Http, app: BenchApp, request: _Request, redirect: dict[str, list[str]]) -> str:
    """Exchange the code at the token endpoint as the application's back end; return the JSON body."""
    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    application = http.fresh()  # the application's back end: no browser cookies
    try:
        reply = application.post(
            "/oauth/token/",
            {
                "grant_type": "authorization_code",
                "code": redirect["code"][0],
                "redirect_uri": app.redirect_uri,
                "code_verifier": request.verifier,
            },
            headers={"Authorization": f"Basic {basic}"},
        )
    finally:
        application.close()
    if reply.status != 200 or '"id_token"' not in reply.text:
        raise SignInError("token", reply, reply.text[:200])
    return reply.text
