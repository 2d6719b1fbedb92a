"""Simulated browsers and an authenticator app, for talking to firmid over HTTP only.

Each `Browser` is one requests.Session (its own cookie jar) bound to one firmid node, and
connects from its own loopback address (127.0.x.y): many browsers are many clients, as
behind a load balancer, so the per-address limits of the password step (allauth's) do not
stand in for the per-account guard these tests are about. Cookies ignore ports, so two
browsers on the same host but different nodes share nothing but what they are given.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import re
import struct
import threading
import time

import requests
from requests.adapters import HTTPAdapter

LOGIN = "/accounts/login/"
MFA = "/accounts/2fa/authenticate/"
ENROL = "/accounts/security/enrol/"
HOME = "/my-account/"
ADMINISTRATION = "/administration/"

TIMEOUT = 10.0
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_addresses = itertools.count(2)
_addresses_lock = threading.Lock()


def next_address() -> str:
    """A loopback address no other browser of this run has used (127.0.0.2 onwards)."""
    with _addresses_lock:
        n = next(_addresses)
    return f"127.0.{n // 250}.{n % 250 + 2}"


class _FromAddress(HTTPAdapter):
    def __init__(self, source: str) -> None:
        self._source = source
        super().__init__(max_retries=0)  # a failed request is the caller's to retry

    def init_poolmanager(self, connections, maxsize, block=False, **kwargs) -> None:
        kwargs["source_address"] = (self._source, 0)
        super().init_poolmanager(connections, maxsize, block=block, **kwargs)


class Browser:
    """One browser talking to one node (`base`, e.g. http://127.0.0.1:8123)."""

    def __init__(self, base: str, source: str | None = None) -> None:
        self.base = base
        self.source = source or next_address()
        self.http = requests.Session()
        self.http.mount("http://", _FromAddress(self.source))

    def get(self, path: str, timeout: float = TIMEOUT) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=timeout)

    def post(self, path: str, data: dict, timeout: float = TIMEOUT) -> requests.Response:
        return self.http.post(self.base + path, data=data, allow_redirects=False, timeout=timeout)

    def csrf(self, path: str) -> str:
        """GET the page and return its form's CSRF token."""
        response = self.get(path)
        assert response.status_code == 200, f"GET {path}: {response.status_code}"
        match = CSRF.search(response.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def submit(self, path: str, data: dict, timeout: float = TIMEOUT) -> requests.Response:
        """Fill in the form of `path` as a person would: load the page, then post it."""
        return self.post(path, {**data, "csrfmiddlewaretoken": self.csrf(path)}, timeout=timeout)

    def password_step(self, email: str, password: str) -> requests.Response:
        return self.submit(LOGIN, {"login": email, "password": password})

    def close(self) -> None:
        self.http.close()


def location(response: requests.Response) -> str:
    """The path a redirect points to, without its query string."""
    return response.headers.get("Location", "").split("?")[0]


# --- the authenticator app: RFC 6238, written independently of firmid's and allauth's code


def totp_code(secret: str, step: int) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def current_step() -> int:
    return int(time.time()) // 30


def code_now(secret: str) -> str:
    return totp_code(secret, current_step())


def wrong_code(secret: str) -> str:
    """A well-formed code that matches no step near now."""
    near = {totp_code(secret, current_step() + d) for d in range(-3, 4)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 1_000_000)) if c not in near)
