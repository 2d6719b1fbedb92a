"""response_mode=form_post in Chromium: the response reaches the application by POST, under the CSP.

The application is a loopback HTTP server that records what is POSTed to its redirect URI.
With JavaScript, firmid's page submits itself (a script file: the Content-Security-Policy
allows no inline script); without, the user presses Continue. Neither meets a CSP violation.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from firmid.oidc.services import application_register

from .pages import ALICE, TIMEOUT_MS, give_credentials, watched


class _Callback(BaseHTTPRequestHandler):
    received: list[dict[str, list[str]]]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.server.received.append(parse_qs(self.rfile.read(length).decode()))  # type: ignore[attr-defined]
        body = b"<!DOCTYPE html><title>Received</title><p>Received</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def application(demo_site: str, settings) -> Iterator[tuple[str, str, list]]:
    """(client_id, redirect_uri, POSTs received there): an application on a loopback port."""
    settings.FIRMID_ISSUER = demo_site
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": demo_site}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Callback)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    redirect_uri = f"http://127.0.0.1:{server.server_port}/callback"
    registration = application_register(
        actor=None, name="Form post", home_url=redirect_uri, redirect_uris=[redirect_uri]
    )
    try:
        yield registration.application.client_id, redirect_uri, server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def _authorization_url(client_id: str, redirect_uri: str, state: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid",
        "state": state,
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "response_mode": "form_post",
    }
    return f"/oauth/authorize/?{urlencode(params)}"


def _expect_posted(page: Page, received: list, state: str, issuer: str) -> None:
    expect(page.get_by_text("Received")).to_be_visible()
    assert len(received) == 1
    fields = {name: values for name, values in received[0].items()}
    assert set(fields) == {"code", "state", "iss"} and all(len(v) == 1 for v in fields.values())
    assert fields["state"] == [state] and fields["iss"] == [issuer]


def test_form_post_submits_itself_to_the_application_under_the_csp(page: Page, application, demo_site: str) -> None:
    client_id, redirect_uri, received = application
    violations = watched(page)
    state = secrets.token_urlsafe(8)
    page.goto(_authorization_url(client_id, redirect_uri, state))
    give_credentials(page, ALICE)
    _expect_posted(page, received, state, demo_site)
    assert page.url == redirect_uri  # reached by the POST, nothing in the URL
    assert not violations, violations


def test_form_post_without_javascript_continues_with_the_button(browser: Browser, application, demo_site: str) -> None:
    client_id, redirect_uri, received = application
    context = browser.new_context(base_url=demo_site, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        violations = watched(page)
        state = secrets.token_urlsafe(8)
        page.goto(_authorization_url(client_id, redirect_uri, state))
        give_credentials(page, ALICE)
        expect(page.get_by_role("heading", name="Back to Form post")).to_be_visible()
        assert not received
        page.get_by_role("button", name="Continue").click()
        _expect_posted(page, received, state, demo_site)
        assert not violations, violations
    finally:
        context.close()
