"""The forms of an HTML page, read as a browser submits them: for tests that play the user agent.

Shared by tests/clients/browserless.py (firmid's sign-in page) and firmid.testing.upstream
(the upstream identity provider's pages).
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import requests


class Forms(HTMLParser):
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


def post_forms(page: requests.Response) -> list[dict]:
    """The page's POST forms, each with its action made absolute (`url`)."""
    parser = Forms()
    parser.feed(page.text)
    return [
        {**form, "url": urljoin(page.url, form["action"] or page.url)}
        for form in parser.forms
        if form["method"].lower() == "post"
    ]


def post_form(page: requests.Response, action_path: str) -> dict:
    """The page's POST form whose action is `action_path`; fail the test if there is none."""
    for form in post_forms(page):
        if urlparse(form["url"]).path == action_path:
            return form
    raise AssertionError(f"no POST form to {action_path} on {page.url} ({page.status_code})")
