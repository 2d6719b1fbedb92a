"""The user's part of the code flow without a browser: requests follows firmid's pages to the callback.

The relying party under test (Authlib, openid-client) builds the authorization URL; this
module plays the user agent: it follows firmid's redirects to the sign-in page, posts the
form with its CSRF token (parsed from the page, as a browser submits it), follows the
redirects on, and stops at the redirect URI without requesting it, returning that URL
(code, state and iss) for the relying party to consume.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import requests

MAX_REDIRECTS = 10


class _Forms(HTMLParser):
    """The forms of a page: action, method and the inputs' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(
                {"action": attributes.get("action", ""), "method": attributes.get("method", "get"), "fields": {}}
            )
        elif tag == "input" and self.forms and attributes.get("name") and "disabled" not in attributes:
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value", "")


def _form(page: requests.Response, action_path: str) -> dict:
    parser = _Forms()
    parser.feed(page.text)
    for form in parser.forms:
        if (
            urlparse(urljoin(page.url, form["action"] or page.url)).path == action_path
            and form["method"].lower() == "post"
        ):
            return form
    raise AssertionError(f"no POST form to {action_path} on {page.url} ({page.status_code})")


def _follow(
    session: requests.Session, response: requests.Response, redirect_uri: str
) -> tuple[requests.Response, str | None]:
    """Follow redirects; stop before the redirect URI and return it, or at the first page."""
    for _ in range(MAX_REDIRECTS):
        if not response.is_redirect:
            return response, None
        target = urljoin(response.url, response.headers["Location"])
        if target.split("?")[0] == redirect_uri:
            return response, target
        response = session.get(target, allow_redirects=False, timeout=30)
    raise AssertionError("too many redirects")


def sign_in(
    authorization_url: str, *, email: str, password: str, redirect_uri: str, session: requests.Session | None = None
) -> str:
    """Run the user's part of the flow from `authorization_url`; return the callback URL."""
    session = session or requests.Session()
    response, callback = _follow(
        session, session.get(authorization_url, allow_redirects=False, timeout=30), redirect_uri
    )
    if callback:  # already signed in
        return callback
    assert urlparse(response.url).path == "/accounts/login/", (response.status_code, response.url)
    form = _form(response, "/accounts/login/")
    fields = {**form["fields"], "login": email, "password": password}
    posted = session.post(
        urljoin(response.url, form["action"]),
        data=fields,
        allow_redirects=False,
        timeout=30,
        headers={"Referer": response.url},
    )
    response, callback = _follow(session, posted, redirect_uri)
    assert callback, f"signed in, but ended on {response.url} ({response.status_code}), not at {redirect_uri}"
    return callback
