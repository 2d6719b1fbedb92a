"""Is a page, or an email, all French? The English words a person would read in it.

One detector for the tests of every app: the visible text (and what a screen reader reads
aloud) of a page, less names, addresses, codes and what is marked `lang="en"`, checked
against common English words that are not French words.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Common English words that are not French words (nor French spellings): "code", "page",
# "support", "application", "message", "test" or "on" are French too, and so are left out.
ENGLISH_WORDS = frozenset(
    """
    the your you yours and with this that these those from sign signed signing enter please back
    which should will would have has been account password cancel here there what when
    where why who how are is was were can cannot could use using used app authenticator help
    request setup next only also about after before again into out trust trusted browser browsers
    day days email address link click firm firms level levels user users my our we they their them
    it its of to for in at or if be do does did don't can't new yes no all any every none by set up
    later now still nothing try not ask contact once left recovery remove rename save generate key
    keys passkey passkeys security scan open activate deactivate replace never last added kind
    language follow profile name role company companies revoke expires search filter upon
    suggested mandatory forced configured offered managed status created practitioners
    practitioner employees employee administrator confirm preview allowed methods method required
    disabled enabled disable enable reset coverage covered audit trail history login edit delete
    register connection provider identity redirect issuer scopes domains previous clear must may
    choose until blocked without settings setting apps requested requires require today yesterday
    addresses send links home changed lost device keep kept show hide logged log logout welcome
    hello thanks thank old off down done
    """.split()
)
# Names of products, the same in every language.
PRODUCT_NAMES = ("Google Authenticator", "Microsoft Authenticator", "Authy")
# What a screen reader reads aloud, or a script shows, besides the text.
READ_ATTRIBUTES = frozenset(
    {"placeholder", "title", "alt", "aria-label", "aria-description"}
    | {"data-cancelled", "data-failed", "data-copied", "data-copy-failed"}
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"https?://\S+")
_HOST = re.compile(r"\b[\w-]+(\.[\w-]+)+\b")  # a domain typed in a field: northwind.test
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


class _VisibleText(HTMLParser):
    """Text and the attributes read aloud; scripts, styles, <code> (machine values) and lang="en" left out."""

    VOID = frozenset({"input", "meta", "link", "br", "img", "hr", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[bool] = []  # per open element: is it left out?

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        skip = tag in {"script", "style", "code"} or (values.get("lang") or "").startswith("en")
        if not skip and not any(self._stack):
            for name, value in attrs:
                shown_value = name == "value" and tag == "input" and values.get("type") in {"submit", "button"}
                if value and (name in READ_ATTRIBUTES or shown_value):
                    self.texts.append(value)
        if tag not in self.VOID:
            self._stack.append(skip)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not any(self._stack):
            self.texts.append(data)


def visible_text(html: str) -> str:
    """What a person reads or hears of `html`, as one line."""
    reader = _VisibleText()
    reader.feed(html)
    return " ".join(" ".join(reader.texts).split())


def english_words(content: str, *, names: tuple[str, ...] | list[str] = (), html: bool = True) -> list[str]:
    """The English words of a page (or, with html=False, of an email's text), sorted, once each.

    Left out: `names` (people, firms), product names, email addresses, URLs, host names,
    and tokens with a digit (codes, keys: "73BY-QK4H").
    """
    text = visible_text(content) if html else content
    for name in sorted((*names, *PRODUCT_NAMES), key=len, reverse=True):
        text = text.replace(name, " ")
    text = _HOST.sub(" ", _URL.sub(" ", _EMAIL.sub(" ", text)))
    text = " ".join(token for token in text.split() if not any(c.isdigit() for c in token))
    return sorted({word.lower().replace("’", "'") for word in _WORD.findall(text)} & ENGLISH_WORDS)
