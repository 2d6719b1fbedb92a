"""The demo application against a stand-in provider: ID token checks, the callback's errors, sessions.

The browser test (tests/e2e/test_demo_application.py) runs it against the real firmid;
these cover what a real provider does not readily produce: forged, expired or misdirected
ID tokens, answers that belong to no sign-in, provider failures.
"""

from __future__ import annotations

import io
import json
import re
import socket
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from demo_rp.app import DocumentsApp
from demo_rp.config import COOKIE_NAME, Config
from demo_rp.provider import Provider, ProviderError
from demo_rp.server import serve_in_thread

ISSUER = "http://127.0.0.1:8000"
CONFIG = Config(issuer=ISSUER)


class FakeHttp:
    """The provider's discovery document and JWKS, as `requests.Session.get` would return them."""

    def __init__(self, keys: list[RSAKey], issuer: str = ISSUER) -> None:
        self.keys = keys
        self.issuer = issuer
        self.fetched: list[str] = []

    def get(self, url: str, timeout: float) -> Any:
        self.fetched.append(url)
        if url.endswith("/.well-known/openid-configuration"):
            body = {
                "issuer": self.issuer,
                "authorization_endpoint": f"{ISSUER}/oauth/authorize/",
                "token_endpoint": f"{ISSUER}/oauth/token/",
                "jwks_uri": f"{ISSUER}/.well-known/jwks.json",
                "end_session_endpoint": f"{ISSUER}/oauth/logout/",
                "code_challenge_methods_supported": ["S256"],
                "authorization_response_iss_parameter_supported": True,
            }
        else:
            body = KeySet(self.keys).as_dict(private=False)
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(body).encode()
        return response


class FakeProvider(Provider):
    """The real discovery, JWKS and ID token checks; the token request answered by the test."""

    def __init__(self, config: Config, http: FakeHttp) -> None:
        super().__init__(config, http)  # type: ignore[arg-type]
        self.token_response: dict[str, Any] | Exception = {}
        self.exchanged: list[dict[str, str]] = []

    def exchange(self, *, code: str, code_verifier: str) -> dict[str, Any]:
        self.exchanged.append({"code": code, "code_verifier": code_verifier})
        if isinstance(self.token_response, Exception):
            raise self.token_response
        return self.token_response


@pytest.fixture
def key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"})


@pytest.fixture
def provider(key: RSAKey) -> FakeProvider:
    return FakeProvider(CONFIG, FakeHttp([key]))


@pytest.fixture
def app(provider: FakeProvider) -> DocumentsApp:
    return DocumentsApp(CONFIG, provider=provider)


def id_token(key: RSAKey | OctKey, *, alg: str = "RS256", **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": CONFIG.client_id,
        "sub": "6b1c4d0e-0c4c-4f43-9a0e-2f1f8f6d3b21",
        "exp": now + 600,
        "iat": now,
        "auth_time": now - 5,
        "nonce": "n-1",
        "email": "alice@demo-accounting.test",
        "name": "Alice <Martin>",
        "firm": {"id": "f-1", "name": "Demo Accounting"},
        "user_type": "practitioners",
        "role": "practitioner",
        "amr": ["pwd", "otp", "mfa"],
        "acr": "urn:firmid:acr:mfa",
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    key.ensure_kid()
    return jwt.encode({"alg": alg, "kid": key.kid}, claims, key, algorithms=[alg])


# --- the ID token ------------------------------------------------------------------------


def test_a_well_formed_id_token_is_accepted(provider: FakeProvider, key: RSAKey) -> None:
    claims = provider.verify_id_token(id_token(key), nonce="n-1")
    assert claims["sub"].startswith("6b1c") and claims["amr"] == ["pwd", "otp", "mfa"]


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"nonce": "another"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"aud": "another-client"}, "aud"),
        ({"aud": ["another-client", "documents-demo"]}, "azp"),  # several audiences and no azp
        ({"azp": "another-client"}, "azp"),
        ({"iss": "http://127.0.0.1:9000"}, "iss"),
        ({"exp": int(time.time()) - 3600}, "exp"),
        ({"exp": None}, "exp"),
        ({"iat": int(time.time()) + 3600}, "future"),
        ({"sub": None}, "sub"),
    ],
)
def test_an_id_token_with_a_wrong_claim_is_rejected(
    provider: FakeProvider,
    key: RSAKey,
    overrides: dict,
    why: str,
) -> None:
    with pytest.raises(ProviderError) as refused:
        provider.verify_id_token(id_token(key, **overrides), nonce="n-1")
    assert refused.value.title == "The ID token was rejected" and why in refused.value.detail


def test_an_id_token_signed_by_another_key_is_rejected(provider: FakeProvider) -> None:
    forger = RSAKey.generate_key(2048)
    with pytest.raises(ProviderError):
        provider.verify_id_token(id_token(forger), nonce="n-1")


def test_an_id_token_signed_with_a_shared_secret_is_rejected(provider: FakeProvider) -> None:
    with pytest.raises(ProviderError):
        provider.verify_id_token(id_token(OctKey.generate_key(256), alg="HS256"), nonce="n-1")


@pytest.mark.parametrize("garbage", ["", "not-a-jwt", "a.b.c", "é" * 10])
def test_garbage_is_not_an_id_token(provider: FakeProvider, garbage: str) -> None:
    with pytest.raises(ProviderError):
        provider.verify_id_token(garbage, nonce="n-1")


def test_a_new_signing_key_is_fetched_from_the_jwks(provider: FakeProvider, key: RSAKey) -> None:
    provider.verify_id_token(id_token(key), nonce="n-1")  # the key set is cached now
    rotated = RSAKey.generate_key(2048)
    provider._http.keys = [rotated, key]  # type: ignore[attr-defined]
    assert provider.verify_id_token(id_token(rotated), nonce="n-1")["sub"]
    assert sum(u.endswith("jwks.json") for u in provider._http.fetched) == 2  # type: ignore[attr-defined]


def test_a_discovery_document_naming_another_issuer_is_refused(key: RSAKey) -> None:
    provider = Provider(CONFIG, FakeHttp([key], issuer="http://evil.test"))  # type: ignore[arg-type]
    with pytest.raises(ProviderError, match="issuer"):
        provider.metadata()


# --- the pages ---------------------------------------------------------------------------


class Browser:
    """Calls the WSGI app as a browser would, keeping the documents_session cookie."""

    def __init__(self, app: DocumentsApp) -> None:
        self.app = app
        self.cookie: str | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict[str, str], str]:
        path, _, query = path.partition("?")
        body = urlencode(form or {}).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "wsgi.input": io.BytesIO(body),
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8001",
            "wsgi.url_scheme": "http",
            # firmid's cookies share the host: ours must be found among them.
            "HTTP_COOKIE": f"csrftoken=x; firmid_session=y; {COOKIE_NAME}={self.cookie}" if self.cookie else "a=b",
        }
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            captured["status"], captured["headers"] = int(status.split()[0]), headers

        page = b"".join(self.app(environ, start_response)).decode()
        headers = dict(captured["headers"])
        cookie = headers.get("Set-Cookie")
        if cookie:
            value = cookie.split(";")[0].split("=", 1)[1]
            self.cookie = value or None
        return captured["status"], headers, page

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path)

    def post(self, path: str, form: dict | None = None) -> tuple[int, dict[str, str], str]:
        return self.request("POST", path, form)


def start_sign_in(browser: Browser, **form: str) -> dict[str, str]:
    status, headers, _ = browser.post("/login", form)
    assert status == 303
    location = urlsplit(headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/oauth/authorize/"
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def test_home_page_offers_sign_in_and_makes_no_session(app: DocumentsApp) -> None:
    status, headers, page = Browser(app).get("/")
    assert status == 200 and "<title>Documents</title>" in page and ">Sign in</button>" in page
    assert "Set-Cookie" not in headers
    assert "form-action 'self' http://127.0.0.1:8000" in headers["Content-Security-Policy"]


def test_sign_in_sends_an_authorization_request_with_pkce_s256(app: DocumentsApp) -> None:
    browser = Browser(app)
    status, headers, _ = browser.post("/login")
    assert status == 303
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    params = {k: v[0] for k, v in parse_qs(urlsplit(headers["Location"]).query).items()}
    assert params["response_type"] == "code" and params["client_id"] == "documents-demo"
    assert params["redirect_uri"] == "http://127.0.0.1:8001/callback"
    assert params["scope"] == "openid profile email"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32 and "code_verifier" not in params
    assert "acr_values" not in params


def test_sign_in_with_mfa_required_asks_for_the_mfa_acr(app: DocumentsApp) -> None:
    assert start_sign_in(Browser(app), acr="mfa")["acr_values"] == "urn:firmid:acr:mfa"


def test_callback_exchanges_the_code_with_the_verifier_and_shows_the_claims(
    app: DocumentsApp,
    provider: FakeProvider,
    key: RSAKey,
) -> None:
    browser = Browser(app)
    request = start_sign_in(browser)
    before = browser.cookie
    provider.token_response = {
        "access_token": "at",
        "token_type": "Bearer",
        "id_token": id_token(key, nonce=request["nonce"]),
    }
    status, headers, _ = browser.get(
        f"/callback?{urlencode({'code': 'c-1', 'state': request['state'], 'iss': ISSUER})}"
    )
    assert (status, headers["Location"]) == (302, "/claims")
    assert browser.cookie and browser.cookie != before  # a new session id at sign-in
    verifier = provider.exchanged[0]["code_verifier"]
    assert provider.exchanged[0]["code"] == "c-1" and 43 <= len(verifier) <= 128

    status, _, page = browser.get("/claims")
    assert status == 200 and '<pre id="claims-json">' in page
    assert 'id="claim-acr">urn:firmid:acr:mfa</td>' in page
    assert "Alice &lt;Martin&gt;" in page and "Alice <Martin>" not in page
    status, _, page = browser.get("/")
    assert 'id="signed-in-as"' in page and "Demo Accounting" in page and ">Sign out</button>" in page

    # The same answer again belongs to no sign-in any more.
    status, _, page = browser.get(f"/callback?{urlencode({'code': 'c-1', 'state': request['state'], 'iss': ISSUER})}")
    assert status == 400 and "Sign-in did not complete" in page and len(provider.exchanged) == 1


def test_an_error_from_firmid_is_shown_readably(app: DocumentsApp) -> None:
    browser = Browser(app)
    request = start_sign_in(browser)
    query = urlencode(
        {
            "error": "access_denied",
            "error_description": "<b>Not open</b> to you",
            "state": request["state"],
            "iss": ISSUER,
        }
    )
    status, _, page = browser.get(f"/callback?{query}")
    assert status == 400 and "Sign-in did not complete" in page
    assert "access_denied" in page and "&lt;b&gt;Not open&lt;/b&gt; to you" in page


@pytest.mark.parametrize(
    "query",
    [
        {"code": "c-1", "state": "unknown"},
        {"code": "c-1"},
        {"error": "access_denied", "error_description": "Call 555-0100 now", "state": "unknown"},
        {},
    ],
)
def test_an_answer_to_no_sign_in_is_refused_readably(app: DocumentsApp, provider: FakeProvider, query: dict) -> None:
    browser = Browser(app)
    start_sign_in(browser)
    status, _, page = browser.get(f"/callback?{urlencode(query)}")
    assert status == 400 and "Sign-in did not complete" in page and not provider.exchanged
    assert "555-0100" not in page


def test_an_answer_naming_another_issuer_is_refused(app: DocumentsApp, provider: FakeProvider) -> None:
    browser = Browser(app)
    request = start_sign_in(browser)
    for iss in ("http://evil.test", None):
        query = {"code": "c-1", "state": request["state"], **({"iss": iss} if iss else {})}
        status, _, page = browser.get(f"/callback?{urlencode(query)}")
        assert status == 400 and not provider.exchanged
        request = start_sign_in(browser)


def test_a_refused_token_request_is_shown_readably(app: DocumentsApp, provider: FakeProvider) -> None:
    browser = Browser(app)
    request = start_sign_in(browser)
    provider.token_response = ProviderError("The token request was refused", "Invalid code.", error="invalid_grant")
    status, _, page = browser.get(f"/callback?{urlencode({'code': 'c', 'state': request['state'], 'iss': ISSUER})}")
    assert status == 502 and "invalid_grant" in page and browser.get("/claims")[1]["Location"] == "/"


def test_a_wrong_nonce_signs_nobody_in(app: DocumentsApp, provider: FakeProvider, key: RSAKey) -> None:
    browser = Browser(app)
    request = start_sign_in(browser)
    provider.token_response = {"access_token": "at", "id_token": id_token(key, nonce="replayed")}
    status, _, page = browser.get(f"/callback?{urlencode({'code': 'c', 'state': request['state'], 'iss': ISSUER})}")
    assert status == 502 and "ID token was rejected" in page
    assert browser.get("/claims")[0] == 302


def test_mfa_required_but_not_shown_signs_nobody_in(app: DocumentsApp, provider: FakeProvider, key: RSAKey) -> None:
    browser = Browser(app)
    request = start_sign_in(browser, acr="mfa")
    provider.token_response = {"id_token": id_token(key, nonce=request["nonce"], amr=["pwd"], acr="urn:firmid:acr:pwd")}
    status, _, _ = browser.get(f"/callback?{urlencode({'code': 'c', 'state': request['state'], 'iss': ISSUER})}")
    assert status == 403 and browser.get("/claims")[0] == 302


def test_sign_out_needs_the_form_token_then_ends_the_firmid_session_too(
    app: DocumentsApp,
    provider: FakeProvider,
    key: RSAKey,
) -> None:
    browser = Browser(app)
    request = start_sign_in(browser)
    token = id_token(key, nonce=request["nonce"])
    provider.token_response = {"id_token": token}
    browser.get(f"/callback?{urlencode({'code': 'c', 'state': request['state'], 'iss': ISSUER})}")
    page = browser.get("/")[2]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    assert browser.post("/logout", {"csrf_token": "forged"})[0] == 403
    assert browser.get("/claims")[0] == 200  # still signed in

    status, headers, _ = browser.post("/logout", {"csrf_token": csrf})
    assert status == 303
    location = urlsplit(headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/oauth/logout/"
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["id_token_hint"] == token and params["client_id"] == "documents-demo"
    assert params["post_logout_redirect_uri"] == "http://127.0.0.1:8001/"
    assert browser.get("/claims")[0] == 302  # signed out here already
    page = browser.get(f"/?state={params['state']}")[2]
    assert "You are signed out of Documents and of firmid." in page
    assert "signed out" not in browser.get(f"/?state={params['state']}")[2]  # once


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nowhere", 404),
        ("DELETE", "/", 405),
        ("POST", "/callback", 405),
        ("GET", "/callback?state=a&state=b", 400),
        ("GET", "/?" + "x=1&" * 60, 400),
        ("GET", "/?q=" + "a" * 9000, 400),
        ("GET", "/logout", 302),
        ("POST", "/logout", 303),
    ],
)
def test_odd_requests_get_a_page_never_a_crash(app: DocumentsApp, method: str, path: str, status: int) -> None:
    assert Browser(app).request(method, path)[0] == status


def test_an_unexpected_error_is_a_readable_page(app: DocumentsApp, provider: FakeProvider) -> None:
    def broken(**_: str) -> None:
        raise RuntimeError("boom")

    provider.start = broken  # type: ignore[method-assign]
    status, _, page = Browser(app).post("/login")
    assert status == 500 and "Something went wrong" in page and "boom" not in page


def test_firmid_unreachable_is_a_readable_page() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    running = serve_in_thread(issuer=f"http://127.0.0.1:{closed}", client_id="c", client_secret="s")
    try:
        response = requests.post(f"{running.url}/login", allow_redirects=False, timeout=15)
        assert response.status_code == 502 and "firmid is not reachable" in response.text
        home = requests.get(f"{running.url}/", timeout=5)
        assert home.status_code == 200 and "<title>Documents</title>" in home.text
    finally:
        running.stop()
