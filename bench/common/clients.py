"""The HTTP clients a bench sign-in runs on: over the wire (http.client) or in this process."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlparse


@dataclass
class Reply:
    status: int
    location: str
    text: str


class Http:
    """What a sign-in needs of an HTTP client; implemented over http.client and Django's Client."""

    def get(self, url: str) -> Reply:
        raise NotImplementedError

    def post(self, url: str, data: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        raise NotImplementedError

    def fresh(self) -> Http:
        """Return another client without this one's cookies: the application's server, not the browser."""
        raise NotImplementedError

    def close(self) -> None:
        pass


# What WireHttp raises when the server is unreachable or answers garbage.
TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


class WireHttp(Http):
    """A new browser over http.client: its own cookies, its own source address on loopback.

    Deliberately thin (no requests, no urllib3): the clients share the machine's cores with
    the server, and every millisecond of theirs is taken from the sign-in rate measured.
    Rate limits are per address, so each browser may leave from another loopback address.
    """

    def __init__(self, base: str, source_address: str | None = None, timeout: float = 30) -> None:
        parsed = urlparse(base)
        self.base, self.source_address, self.timeout = base, source_address, timeout
        self.connection = http.client.HTTPConnection(
            parsed.hostname,
            parsed.port,
            timeout=timeout,
            source_address=(source_address, 0) if source_address else None,
        )
        self.cookies: dict[str, str] = {}

    def cookie(self, name: str) -> str | None:
        return self.cookies.get(name)

    def _send(self, method: str, url: str, body: str | None, headers: dict[str, str]) -> Reply:
        path = urlparse(urljoin(self.base, url))
        target = path.path + (f"?{path.query}" if path.query else "")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.connection.request(method, target, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return Reply(response.status, response.getheader("Location", ""), text)

    def _keep_cookies(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in header.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)

    def get(self, url: str) -> Reply:
        return self._send("GET", url, None, {})

    def post(self, url: str, data: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        return self._send(
            "POST",
            url,
            urlencode(data),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                **(headers or {}),
            },
        )

    def fresh(self) -> WireHttp:
        return WireHttp(self.base, self.source_address, self.timeout)

    def close(self) -> None:
        self.connection.close()


class DjangoHttp(Http):
    """The same sign-in in this process, through Django's test client (to count queries and hashes)."""

    def __init__(self, host: str = "127.0.0.1", remote_addr: str = "127.0.0.1") -> None:
        from django.test import Client

        self.host, self.remote_addr = host, remote_addr
        self.client = Client(HTTP_HOST=host, REMOTE_ADDR=remote_addr)

    def fresh(self) -> DjangoHttp:
        return DjangoHttp(self.host, self.remote_addr)

    @staticmethod
    def _reply(response) -> Reply:
        return Reply(response.status_code, response.headers.get("Location", ""), response.content.decode())

    def get(self, url: str) -> Reply:
        return self._reply(self.client.get(url))

    def post(self, url: str, data: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        return self._reply(self.client.post(url, data, **extra))


def loopback_addresses(count: int) -> list[str]:
    """Return 127.1.x.y addresses: the kernel answers for all of 127/8, and allauth limits per address."""
    return [f"127.1.{n // 250}.{n % 250 + 1}" for n in range(count)]
