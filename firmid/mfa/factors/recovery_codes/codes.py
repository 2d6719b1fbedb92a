"""Recovery codes: made from the CSPRNG, read back strictly, stored as SHA-256 digests only.

Each code is 24 Crockford base32 characters: 120 random bits. NIST SP 800-63B (5.1.2.2, and
rev 4's look-up secrets) lets a look-up secret of at least 112 bits of entropy be stored as
an unsalted hash with an approved function: guessing one from its digest is a 2^120 search,
so a leaked database reveals no code, and no password hasher's cost is needed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

COUNT = 10
LENGTH = 24  # characters of 5 bits: 120 bits, above NIST's 112
GROUP = 4  # shown as 6 groups of 4: ABCD-EFGH-...
# Crockford's base32: no I, L, O or U (they read as 1, 1, 0, or as a word).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# What people type for the letters Crockford leaves out.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CODE = re.compile(rf"[{ALPHABET}]{{{LENGTH}}}", flags=re.ASCII)
_SEPARATORS = re.compile(r"[- ]")
_SURROUNDING_SPACE = " \t\r\n"


def new_code() -> str:
    """Return one code of LENGTH characters from the CSPRNG, without separators."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def new_codes() -> list[str]:
    """Return a fresh set of COUNT distinct codes."""
    codes: list[str] = []
    while len(codes) < COUNT:
        code = new_code()
        if code not in codes:  # a repeat is a 2^-120 event; the set stays COUNT strong anyway
            codes.append(code)
    return codes


def shown(code: str) -> str:
    """Return a code as pages, e-mails and downloads show it: groups of GROUP joined by dashes."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def parse_code(raw: str) -> str | None:
    """Return the code typed in `raw` (any case, dashes or spaces between characters), else None.

    ASCII only: a Unicode letter whose upper case is ASCII (the dotless ı) is refused, not folded.
    """
    text = raw.strip(_SURROUNDING_SPACE)
    if not text.isascii() or len(text) > LENGTH * 2:
        return None
    code = _SEPARATORS.sub("", text).upper().translate(_READ_AS)
    return code if _CODE.fullmatch(code) else None


def digest(code: str) -> str:
    """Return what is stored of a parsed code: its SHA-256, in hex."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def find(code_digest: str, digests: list[str]) -> int | None:
    """Return the index of `code_digest` in `digests`, comparing each in constant time, or None."""
    found = None
    for index, candidate in enumerate(digests):
        if hmac.compare_digest(candidate, code_digest):
            found = index
    return found
