"""Every text a person reads in a template is marked for translation (docs/i18n.md).

Each template is read with Django's own lexer: text between tags is checked, as are the
attributes a person reads or hears (placeholder, title, alt, aria-label, a button's value);
what `{% translate %}` and `{% blocktranslate %}` produce, comments, scripts and styles are not.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_FOLDERS = [ROOT / "templates", *sorted((ROOT / "firmid").glob("*/templates"))]
TEMPLATES = sorted(
    path
    for folder in TEMPLATE_FOLDERS
    for path in folder.rglob("*")
    if path.suffix in {".html", ".txt"} and "locale" not in path.parts
)

# Words that read the same in both languages, or must not change: names and symbols.
SAME_IN_BOTH = {
    "firmid",
    "English",
    "Français",
    "MFA",
    "SSO",
    "TOTP",
    "OpenID",
    "Connect",
    "CSV",
    "API",
    "ID",
    "URL",
    "IP",
}
READ_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label", "aria-description", "aria-roledescription"}
# An <input type="submit">'s value is its label; a <button>'s value is never shown.
WORD = re.compile(r"[^\W\d_]{2,}")
HOLE = "\x00"


def _holes(source: str) -> str:
    """The template with every tag, variable and translated block replaced by a hole."""
    pieces = []
    skipping = None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if skipping:
                if name == skipping:
                    skipping = None
                continue
            if name in {"blocktranslate", "blocktrans", "comment", "verbatim"}:
                skipping = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}.get(
                    name, f"end{name}"
                )
            pieces.append(HOLE)
        elif skipping:
            continue
        elif token.token_type == TokenType.TEXT:
            pieces.append(token.contents)
        else:
            pieces.append(HOLE)
    return "".join(pieces)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            shown_value = tag == "input" and name == "value" and values.get("type") in {"submit", "button"}
            if value and (name in READ_ATTRIBUTES or shown_value):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.texts.append(data)


def unmarked_texts(path: Path) -> list[str]:
    source = _holes(path.read_text())
    if path.suffix == ".txt":
        texts = [source]
    else:
        reader = _Reader()
        reader.feed(source)
        texts = reader.texts
    found = []
    for text in texts:
        words = [word for word in WORD.findall(text) if word not in SAME_IN_BOTH]
        if words:
            found.append(" ".join(text.replace(HOLE, "…").split()))
    return found


def test_the_scan_sees_templates():
    assert len(TEMPLATES) > 80


def test_the_scan_catches_an_unmarked_text_and_attribute(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<p>{% translate "Fine" %}</p><h1>Sign in</h1>'
        '<input placeholder="Your address"><p>{% blocktranslate %}Also fine{% endblocktranslate %}</p>'
        "{# a comment #}{% comment %}Not shown{% endcomment %}<script>var x = 'code';</script>"
    )
    assert unmarked_texts(page) == ["Sign in", "Your address"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_text_a_person_reads_is_marked(path):
    assert unmarked_texts(path) == []
