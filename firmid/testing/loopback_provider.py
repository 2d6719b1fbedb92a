"""A firm's provider of the test's own, on loopback: discovery and keys that a test changes at will.

Where firmid.testing.upstream runs a real provider for whole sign-ins, this one serves only
documents (JSON, or a status and bytes), counts what firmid asks, and can be slow: for the
tests of discovery, key sets and Test connection.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from firmid.sso.upstream import DISCOVERY_PATH

DISCOVERY, JWKS = DISCOVERY_PATH, "/jwks"


class Provider:
    """A loopback provider: `routes` maps a path to JSON (or to (status, bytes)); `hits` counts requests."""

    def __init__(self) -> None:
        self.routes: dict[str, object] = {}
        self.hits: Counter[str] = Counter()
        self.delay = 0.0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            provider.hits[self.path] += 1
            if provider.delay:
                time.sleep(provider.delay)  # the provider is slow, not the test: firmid's timeout ends the wait
            answer = provider.routes.get(self.path, (404, b"not found"))
            status, body = answer if isinstance(answer, tuple) else (200, json.dumps(answer).encode())
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            if status == 302:
                self.send_header("Location", "https://example.com/elsewhere")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
            pass

    return Handler


def discovery_document(issuer: str, /, **changes: object) -> dict:
    """A discovery document as a compliant provider publishes it; a change to None drops the field."""
    document = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}{JWKS}",
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }
    document.update(changes)
    return {name: value for name, value in document.items() if value is not None}
