"""A single-page application (a public client in Chromium, oauth4webapi from npm) signs in by CORS.

tests/clients/spa/ is the application: a page and an ES module importing oauth4webapi's
browser build from tests/clients/node/node_modules (`make test` runs `npm ci`). It is
served from a loopback origin of its own (127.0.0.1 on another port than firmid's, so
another origin) and registered as a public client with that origin among its allowed
origins. Chromium runs the whole flow: discovery, the authorization request (PKCE S256,
state, nonce), firmid's sign-in page, the code exchange, the ID token's claims and
signature, UserInfo, refresh, revocation. Every call to firmid is a cross-origin fetch the
browser lets the page read only if firmid grants the page's origin (firmid/oidc/cors.py).
The same page served from an origin no application registered can read discovery and the
JWKS, and nothing of the three endpoints.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from firmid.oidc.services import application_register

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent
OAUTH4WEBAPI = HERE / "node" / "node_modules" / "oauth4webapi" / "build" / "index.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000  # a sign-in hashes with Argon2id; the page makes about ten requests after it
ACAO = "access-control-allow-origin"
ENDPOINTS = ("/oauth/token/", "/oauth/userinfo/", "/oauth/revoke/")


@dataclass(frozen=True)
class SinglePageApp:
    origin: str
    client_id: str | None  # None: served, but registered by no application


def _handler(issuer: str) -> type[BaseHTTPRequestHandler]:
    files = {"/app.js": HERE / "spa" / "app.js", "/oauth4webapi.js": OAUTH4WEBAPI}
    # The application's own policy: its scripts, and fetch to itself and to firmid only.
    policy = f"default-src 'self'; connect-src 'self' {issuer}; base-uri 'none'; frame-ancestors 'none'"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            page = files.get(path, HERE / "spa" / "index.html")
            kind = "text/javascript" if page.suffix == ".js" else "text/html"
            body = page.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", policy)
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@pytest.fixture
def serve(issuer: str) -> Iterator:
    """serve() → the origin of a new server of the SPA on a free loopback port."""
    assert OAUTH4WEBAPI.is_file(), f"run `npm ci --prefix {HERE / 'node'}` first (`make test` does)"
    servers: list[ThreadingHTTPServer] = []

    def start() -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(issuer))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def spa(serve) -> SinglePageApp:
    origin = serve()
    registration = application_register(
        actor=None,
        name="Single-page client",
        home_url=f"{origin}/",
        redirect_uris=[f"{origin}/callback"],
        confidential=False,
        allowed_origins=[origin],
    )
    return SinglePageApp(origin, registration.application.client_id)


@pytest.fixture
def unregistered_spa(serve, spa: SinglePageApp) -> SinglePageApp:
    return SinglePageApp(serve(), None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an asyncio loop in this thread while it is open; the ORM
    # of the fixtures and assertions must be told that this is deliberate.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def result_of(page: Page, status: str) -> dict:
    """What the page wrote when it finished: `status`, or "failed" (an exception, shown here)."""
    expect(page.locator("#status")).to_have_text(re.compile(f"^({re.escape(status)}|failed)$"), timeout=TIMEOUT_MS)
    result = json.loads(page.locator("#result").inner_text())
    assert page.locator("#status").inner_text() == status, result
    return result


def test_single_page_client_signs_in_through_cors_from_registered_origin(
    page: Page, spa: SinglePageApp, issuer: str, alice, password: str
) -> None:
    granted: dict[str, str | None] = {}
    page.on(
        "response",
        lambda r: (
            granted.__setitem__(urlsplit(r.url).path, r.headers.get(ACAO))
            if urlsplit(r.url).path in ENDPOINTS and r.url.startswith(issuer)
            else None
        ),
    )
    page.goto(f"{spa.origin}/?{urlencode({'issuer': issuer, 'client_id': spa.client_id})}")
    expect(page.locator('input[name="login"]')).to_be_visible(timeout=TIMEOUT_MS)  # firmid's sign-in page
    page.locator('input[name="login"]').fill(alice.email)
    page.get_by_role("button", name="Continue", exact=True).click()  # identifier first
    page.locator('input[name="password"]').fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()

    result = result_of(page, "signed in")
    assert page.url.startswith(f"{spa.origin}/callback?")
    claims = result["id_token_claims"]  # oauth4webapi checked iss, aud, exp, iat, nonce; the signature too
    assert result["signature_verified"] and claims["iss"] == issuer and claims["aud"] == spa.client_id
    assert claims["sub"] == str(alice.public_id) and claims["amr"] == ["pwd"]
    assert result["token_type"].lower() == "bearer" and set(result["scope"].split()) == {"openid", "profile", "email"}
    assert result["userinfo"]["sub"] == claims["sub"] and result["userinfo"]["email"] == alice.email
    assert result["refresh_rotated"] and not result["id_token_on_refresh"]
    assert result["renewed_userinfo_sub"] == claims["sub"]
    # After revocation the page still reads firmid's answers: the refusal and the challenge.
    assert result["refresh_after_revocation"] == "invalid_grant"
    assert result["userinfo_after_revocation"] == "OAUTH_WWW_AUTHENTICATE_CHALLENGE"
    # Every answer of the three endpoints named exactly the page's origin.
    assert granted == dict.fromkeys(ENDPOINTS, spa.origin)


def test_unregistered_origin_gets_no_cors_grant_and_the_browser_blocks_it(
    page: Page, spa: SinglePageApp, unregistered_spa: SinglePageApp, issuer: str
) -> None:
    for app, readable in ((spa, True), (unregistered_spa, False)):
        # The unregistered page claims the registered application's client id: no matter.
        page.goto(f"{app.origin}/probe?{urlencode({'issuer': issuer, 'client_id': spa.client_id})}")
        result = result_of(page, "probed")
        assert result["origin"] == app.origin
        assert result["discovery_issuer"] == issuer and result["jwks"]["status"] == 200  # open to every origin
        for endpoint, status in (("token", 400), ("userinfo", 401), ("revocation", 200)):
            if readable:
                assert result[endpoint]["status"] == status, (endpoint, result[endpoint])
            else:
                assert result[endpoint] == {"blocked": "TypeError"}, (endpoint, result[endpoint])
