"""Documents in English and French: the language of a request, and its translations.

The browser's choice (the switch's cookie), else its Accept-Language (French if it asks for
French first among the two, else English). The strings are marked `_()` where they are
written and `gettext_noop()` where they are defined ahead, so that Django's makemessages
extracts them into demo_rp/locale/fr/LC_MESSAGES/django.po (docs/i18n.md); the app reads
the compiled .mo with the standard library, one translation object per request, never a
global install.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "fr")
DEFAULT = "en"
COOKIE_NAME = "documents_language"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# The switch names each language in that language.
NAMES = {"en": "English", "fr": "Français"}


def gettext_noop(message: str) -> str:
    """Mark `message` for extraction; it is translated where it is shown."""
    return message


@cache
def translation(language: str) -> gettext.NullTranslations:
    """The catalogue of `language` (English: the strings as written)."""
    if language == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation("django", localedir=str(LOCALE_DIR), languages=[language], fallback=True)


def supported(code: str | None) -> str | None:
    """The language `code` names among Documents' (fr-FR → fr), or None."""
    primary = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str) -> str:
    """The language the browser prefers among Documents' (RFC 9110 §12.5.4 weights), else English."""
    weighted = []
    for position, part in enumerate(header.split(",")[:50]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        language = supported(tag)
        if language and weight > 0:
            weighted.append((-weight, position, language))
    return min(weighted)[2] if weighted else DEFAULT


def language_of(*, cookie: str | None, accept_language: str) -> str:
    """The switch's choice, else the browser's."""
    return supported(cookie) or from_accept_language(accept_language)
