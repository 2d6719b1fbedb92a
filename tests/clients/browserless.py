"""The user's part of the code flow without a browser: requests follows firmid's pages to the callback.

The relying party under test (Authlib, openid-client) builds the authorization URL; this
module plays the user agent: it follows firmid's redirects to the sign-in page, posts the
form with its CSRF token (parsed from the page, as a browser submits it), follows the
redirects on, and stops at the redirect URI without requesting it, returning that URL
(code, state and iss) for the relying party to consume.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlparse

import requests

from firmid.testing.forms import post_form

MAX_REDIRECTS = 10


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


def _submit(session: requests.Session, page: requests.Response, action_path: str, **values: str) -> requests.Response:
    """Post the page's form to `action_path` with its hidden fields (CSRF token, next) and `values`."""
    form = post_form(page, action_path)
    return session.post(
        form["url"], data={**form["fields"], **values}, allow_redirects=False, timeout=30, headers={"Referer": page.url}
    )


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
    # Identifier first: the address, answered (not under the firm's SSO) by the password step.
    identified = _submit(session, response, "/accounts/login/", login=email)
    assert identified.status_code == 200, (identified.status_code, identified.url)
    posted = _submit(session, identified, "/accounts/login/", login=email, password=password)
    response, callback = _follow(session, posted, redirect_uri)
    assert callback, f"signed in, but ended on {response.url} ({response.status_code}), not at {redirect_uri}"
    return callback
