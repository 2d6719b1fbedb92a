"""Documents in English and French: the browser's language, the switch, every page, on a phone too."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import polib
import pytest

from demo_rp import html, i18n
from demo_rp.app import DocumentsApp
from demo_rp.config import COOKIE_NAME, Config
from demo_rp.provider import Provider, ProviderError

ISSUER = "http://127.0.0.1:8000"
CONFIG = Config(issuer=ISSUER)
CLAIMS = {
    "iss": ISSUER,
    "sub": "6b1c4d0e-0c4c-4f43-9a0e-2f1f8f6d3b21",
    "email": "alice@demo-accounting.test",
    "name": "Alice Martin",
    "firm": {"id": "f-1", "name": "Demo Accounting"},
    "user_type": "practitioners",
    "role": "practitioner",
    "amr": ["pwd", "otp", "mfa"],
    "acr": "urn:firmid:acr:mfa",
    "auth_time": 1796220300,  # 2026-12-02 14:05:00 UTC
}
# Words of the English pages that must not be left on a French one.
ENGLISH = ("Sign in", "Sign out", "Back to Documents", "Your ID token", "Skip to the content", "meaning")


class StubProvider(Provider):
    """firmid's discovery document, without the network; `failure` makes discovery fail."""

    failure: ProviderError | None = None

    def metadata(self) -> dict[str, Any]:
        if self.failure is not None:
            raise self.failure
        return {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/oauth/authorize/",
            "token_endpoint": f"{ISSUER}/oauth/token/",
            "jwks_uri": f"{ISSUER}/.well-known/jwks.json",
        }


@pytest.fixture
def app() -> DocumentsApp:
    return DocumentsApp(CONFIG, provider=StubProvider(CONFIG))


def call(
    app: DocumentsApp, method: str, path: str, *, language: str = "", cookies: str = "", form: dict | None = None
) -> tuple[int, dict[str, list[str]], str]:
    path, _, query = path.partition("?")
    body = urlencode(form or {}).encode()
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "wsgi.input": io.BytesIO(body),
        "HTTP_ACCEPT_LANGUAGE": language,
        "HTTP_COOKIE": cookies,
    }
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        captured["status"], captured["headers"] = int(status.split()[0]), headers

    page = b"".join(app(environ, start_response)).decode()
    headers: dict[str, list[str]] = {}
    for name, value in captured["headers"]:
        headers.setdefault(name, []).append(value)
    return captured["status"], headers, page


def signed_in(app: DocumentsApp) -> str:
    """The session cookie of a user signed in with CLAIMS."""
    session = app.store.create()
    session.user = CLAIMS
    return f"{COOKIE_NAME}={session.id}"


def text_of(page: str) -> str:
    """What a person reads: the body's text, without the markup or the raw claims."""
    body = page.split("<body>", 1)[1]
    body = re.sub(r'<pre id="claims-json">.*?</pre>', "", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", "en"),
        ("fr", "fr"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("de-DE,fr;q=0.7,en;q=0.5", "fr"),
        ("de-DE,es;q=0.5", "en"),
        ("en;q=0.5,fr;q=0.9", "fr"),
        ("fr;q=0,en", "en"),
        ("fr;q=oops", "en"),
    ],
)
def test_the_language_is_the_browsers_first_among_english_and_french(header: str, language: str) -> None:
    assert i18n.from_accept_language(header) == language


def test_the_home_page_speaks_english_by_default(app: DocumentsApp) -> None:
    status, _, page = call(app, "GET", "/")
    assert status == 200 and '<html lang="en">' in page
    assert ">Sign in</button>" in page and ">Sign in with MFA required</button>" in page
    assert '<button type="submit" class="link" lang="fr">Français</button>' in page
    assert "Se connecter" not in page


def test_the_home_page_speaks_french_to_a_french_browser(app: DocumentsApp) -> None:
    status, _, page = call(app, "GET", "/", language="fr-FR,fr;q=0.9,en;q=0.5")
    assert status == 200 and '<html lang="fr">' in page
    assert ">Se connecter</button>" in page and ">Se connecter avec MFA obligatoire</button>" in page
    assert "Documents est une application de démonstration" in page and "<code>http://127.0.0.1:8000</code>" in page
    assert '<button type="submit" class="link" lang="en">English</button>' in page
    assert not [word for word in ENGLISH if word in text_of(page)]


def test_the_claims_page_explains_each_claim_in_french(app: DocumentsApp) -> None:
    status, _, page = call(app, "GET", "/claims", language="fr", cookies=signed_in(app))
    assert status == 200 and "<title>Votre jeton d&#x27;identité — Documents</title>" in page
    assert "<h1>Votre jeton d&#x27;identité</h1>" in page
    assert "Qui est l&#x27;utilisateur, pour toutes les applications" in page
    assert "2 décembre 2026 à 14:05:00 UTC" in page
    assert ">Se déconnecter</button>" in page
    assert not [word for word in ENGLISH if word in text_of(page)]
    english = call(app, "GET", "/claims", language="en", cookies=signed_in(app))[2]
    assert "<h1>Your ID token</h1>" in english and "2 December 2026, 14:05:00 UTC" in english
    assert "Who the user is, for every application" in english


def test_the_switch_keeps_the_choice_over_the_browsers(app: DocumentsApp) -> None:
    status, headers, _ = call(app, "POST", "/language", language="en", form={"language": "fr", "next": "/claims"})
    assert (status, headers["Location"]) == (303, ["/claims"])
    (cookie,) = [c for c in headers["Set-Cookie"] if c.startswith(f"{i18n.COOKIE_NAME}=")]
    assert cookie.startswith("documents_language=fr;") and "SameSite=Lax" in cookie and "Max-Age=" in cookie
    page = call(app, "GET", "/", language="en", cookies="documents_language=fr")[2]
    assert '<html lang="fr">' in page and ">Se connecter</button>" in page
    page = call(app, "GET", "/", language="fr", cookies="documents_language=en")[2]
    assert '<html lang="en">' in page and ">Sign in</button>" in page


@pytest.mark.parametrize("next_url", ["https://evil.test/", "//evil.test", "/nowhere", ""])
def test_the_switch_sends_back_only_to_a_page_of_documents(app: DocumentsApp, next_url: str) -> None:
    status, headers, _ = call(app, "POST", "/language", form={"language": "en", "next": next_url})
    assert (status, headers["Location"]) == (303, ["/"])


def test_an_unknown_language_is_refused_in_the_pages_language(app: DocumentsApp) -> None:
    status, headers, page = call(app, "POST", "/language", language="fr", form={"language": "de"})
    assert status == 400 and "Choisissez l&#x27;anglais ou le français." in page
    assert not any(c.startswith(i18n.COOKIE_NAME) for c in headers.get("Set-Cookie", []))


def test_sign_in_asks_firmid_for_the_pages_language(app: DocumentsApp) -> None:
    for language, expected in (("fr-CA", "fr"), ("", "en")):
        status, headers, _ = call(app, "POST", "/login", language=language)
        params = parse_qs(urlsplit(headers["Location"][0]).query)
        assert status == 303 and params["ui_locales"] == [expected]


def test_refusals_are_in_the_pages_language(app: DocumentsApp) -> None:
    status, _, page = call(app, "GET", "/nowhere", language="fr")
    assert status == 404 and "<h1>Page introuvable</h1>" in page and ">Retour à Documents</a>" in page
    status, _, page = call(app, "GET", "/callback?state=unknown&code=c", language="fr")
    assert status == 400 and "<h1>La connexion n&#x27;a pas abouti</h1>" in page
    status, _, page = call(app, "GET", "/callback?state=a&state=b", language="fr")
    assert status == 400 and "Le paramètre state est répété." in page
    status, _, page = call(app, "GET", "/callback?state=a&state=b", language="en")
    assert status == 400 and "The parameter state is repeated." in page


def test_a_provider_failure_is_told_in_the_pages_language(app: DocumentsApp) -> None:
    app.provider.failure = ProviderError(  # type: ignore[attr-defined]
        "Wrong issuer",
        "The discovery document names the issuer %(found)s, this application expects %(expected)s.",
        found="'http://evil.test'",
        expected="'http://127.0.0.1:8000'",
    )
    status, _, page = call(app, "POST", "/login", language="fr")
    assert status == 502 and "<h1>Mauvais émetteur</h1>" in page
    assert "Le document de découverte indique l&#x27;émetteur &#x27;http://evil.test&#x27;" in page
    status, _, page = call(app, "POST", "/login", language="en")
    assert status == 502 and "<h1>Wrong issuer</h1>" in page


def test_every_page_is_built_for_a_phone_and_a_keyboard(app: DocumentsApp) -> None:
    cookie = signed_in(app)
    for language in ("en", "fr"):
        for path, cookies in (("/", ""), ("/", cookie), ("/claims", cookie), ("/logout", cookie), ("/nowhere", "")):
            page = call(app, "GET", path, language=language, cookies=cookies)[2]
            assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
            assert page.count("<h1") == 1 and '<a class="skip" href="#main">' in page and '<main id="main"' in page
    # No fixed widths: the page itself never scrolls sideways; long values wrap in their cells.
    assert not re.search(r"(?<![-\w])(min-)?width:\s*\d{3,}px", html.STYLE)
    assert "overflow-wrap:anywhere" in html.STYLE and ":focus-visible{outline" in html.STYLE


def test_the_inline_style_is_the_one_its_hash_allows(app: DocumentsApp) -> None:
    _, headers, page = call(app, "GET", "/", language="fr")
    style = re.search(r"<style>(.*?)</style>", page, flags=re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in headers["Content-Security-Policy"][0]


def test_the_french_catalogue_translates_every_string_of_documents() -> None:
    catalogue = polib.pofile(str(i18n.LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.po"))
    french = i18n.translation("fr")
    assert len(catalogue) > 50
    for entry in catalogue:
        assert french.gettext(entry.msgid) == entry.msgstr != ""
