"""Error pages built without templates or the database: they answer when a store cannot serve.

Rendering a template runs context processors, which may need the store that failed; the
signed-in user's saved language needs the database. So the language is the one Django's
LocaleMiddleware chose (the switch's cookie, else the browser's Accept-Language), or the
same choice made here when the request failed before it ran.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _


def language_of(request: HttpRequest) -> str:
    """The request's language without the database: LocaleMiddleware's, else the cookie's or the browser's."""
    return getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)


@contextmanager
def in_language_of(request: HttpRequest) -> Iterator[str]:
    language = language_of(request)
    with translation.override(language):
        yield language


def page(request: HttpRequest, *, title: str, message: str, status: int) -> HttpResponse:
    """A page that says what happened and offers a way back, in the request's language."""
    with in_language_of(request) as language:
        back = _("Back to the home page")
        body = (
            f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)} · firmid</title>{_stylesheet()}</head>"
            f'<body><main id="main"><h1>{escape(title)}</h1><p>{escape(message)}</p>'
            f'<p><a href="/">{escape(back)}</a></p></main></body></html>'
        )
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    response["Content-Language"] = language
    return response


def _stylesheet() -> str:
    try:
        return f'<link rel="stylesheet" href="{escape(static("firmid/site.css"))}">'
    except ValueError:  # a manifest without the file (collectstatic not run): the page reads as well bare
        return ""
