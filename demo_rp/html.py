"""The demo application's pages: plain HTML, every value escaped, in the request's language."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime
from gettext import NullTranslations
from html import escape
from typing import Any

from demo_rp.i18n import NAMES, gettext_noop

STYLE = """
*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7f9;line-height:1.45}
.skip{position:absolute;left:-999px;top:0;background:#fff;color:#1f4e79;padding:.5rem 1rem;z-index:1}
.skip:focus{left:.5rem;top:.5rem}
header{background:#1f4e79;color:#fff;padding:.8rem 1rem;display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600;font-size:1.2rem}
header .who{margin-left:auto;font-size:.95rem;overflow-wrap:anywhere}
main{max-width:60rem;margin:1.5rem auto;padding:0 1rem}
form.inline{display:inline}
button{font:inherit;padding:.45rem 1rem;border-radius:4px;border:1px solid #1f4e79;background:#1f4e79;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1f4e79}
header button{border-color:#fff}
button.link{background:none;border:0;padding:.2rem;color:#fff;text-decoration:underline;font-size:.95rem}
a:focus-visible,button:focus-visible{outline:3px solid #f2a900;outline-offset:2px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #d5d9e0;padding:.4rem .6rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
td.meaning{color:#4a5568;font-size:.9rem}
#claims th[scope=row]{overflow-wrap:normal}
@media (max-width:40rem){#claims thead{position:absolute;left:-999px}
#claims tr{display:grid;grid-template-columns:6.5rem minmax(0,1fr);border-bottom:.6rem solid #f6f7f9}
#claims td.meaning{grid-column:1/-1}}
pre{background:#fff;border:1px solid #d5d9e0;padding:1rem;white-space:pre-wrap;overflow-wrap:anywhere}
.notice{background:#e6f4ea;border:1px solid #9fd3ad;padding:.6rem 1rem}
.error{background:#fdecea;border:1px solid #f5b7b1;padding:.6rem 1rem;overflow-wrap:anywhere}
code{background:#eef0f3;padding:0 .2rem;overflow-wrap:anywhere}
.sr{position:absolute;left:-999px;width:1px;height:1px;overflow:hidden}
"""

# The one inline style block, allowed by its hash: no other inline style or any script runs.
# The meta policy adds to the header's (demo_rp/app.py); a browser enforces both.
STYLE_SOURCE = f"'sha256-{base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()}'"
META_POLICY = f"default-src 'none'; style-src {STYLE_SOURCE}; img-src 'self'; base-uri 'none'; object-src 'none'"

# The claims an application of the platform reads, and what they mean (docs/oidc.md).
CLAIMS = [
    (
        "sub",
        gettext_noop(
            "Who the user is, for every application: an opaque identifier, stable for life. "
            "Key your data on it, never on the email."
        ),
    ),
    ("email", gettext_noop("The user's email address (scope email).")),
    ("name", gettext_noop("The user's full name (scope profile).")),
    ("firm", gettext_noop("The accounting firm the user belongs to: its id and name.")),
    ("user_type", gettext_noop("practitioners, clients or client_employees: the unit of the firm's MFA policy.")),
    ("role", gettext_noop("The user's role.")),
    (
        "amr",
        gettext_noop(
            "What the user really used in this sign-in: pwd = password, otp = one-time code "
            "from an authenticator app, mfa = more than one factor, fed = through the firm's own "
            "identity provider (followed by what that provider reported)."
        ),
    ),
    (
        "acr",
        gettext_noop(
            "urn:firmid:acr:mfa when the sign-in used a second factor (at firmid, or at the firm's identity "
            "provider), urn:firmid:acr:pwd otherwise."
        ),
    ),
    ("auth_time", gettext_noop("When the user last really authenticated at firmid (not when this token was issued).")),
]

MONTHS = [
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
]


def layout(
    t: NullTranslations,
    language: str,
    title: str,
    body: str,
    *,
    user: dict[str, Any] | None = None,
    csrf_token: str = "",
    path: str = "/",
) -> str:
    _ = t.gettext
    who = ""
    if user:
        who = (
            f'<span class="who">{escape(str(user.get("name") or user.get("email") or user["sub"]))}</span>'
            f"{sign_out_form(t, csrf_token)}"
        )
    skip = escape(_("Skip to the content"))
    return (
        "<!doctype html>\n"
        f'<html lang="{escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{META_POLICY}">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f'<body><a class="skip" href="#main">{skip}</a>'
        f'<header><a href="/">Documents</a>{who}{language_switch(t, language, path)}</header>'
        f'<main id="main" tabindex="-1">{body}</main></body></html>'
    )


def language_switch(t: NullTranslations, language: str, path: str) -> str:
    """A button to the other language, named in that language; the choice is kept in a cookie."""
    other = "fr" if language == "en" else "en"
    label = t.gettext("Language")
    return (
        f'<form class="inline" method="post" action="/language" aria-label="{escape(label)}">'
        f'<input type="hidden" name="language" value="{other}">'
        f'<input type="hidden" name="next" value="{escape(path)}">'
        f'<button type="submit" class="link" lang="{other}">{NAMES[other]}</button></form>'
    )


def sign_out_form(t: NullTranslations, csrf_token: str) -> str:
    label = escape(t.gettext("Sign out"))
    return (
        '<form class="inline" method="post" action="/logout">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">'
        f'<button type="submit" class="secondary">{label}</button></form>'
    )


def home(t: NullTranslations, *, user: dict[str, Any] | None, notice: str | None, issuer: str) -> str:
    _ = t.gettext
    parts = ["<h1>Documents</h1>"]
    if notice:
        parts.append(f'<p class="notice" role="status">{escape(notice)}</p>')
    if user:
        firm = user.get("firm") or {}
        name = f"<strong>{escape(str(user.get('name', '')))}</strong>"
        if isinstance(firm, dict) and firm.get("name"):
            signed_in = _("Signed in as %(name)s — %(firm)s") % {"name": name, "firm": escape(str(firm["name"]))}
        else:
            signed_in = _("Signed in as %(name)s") % {"name": name}
        see = escape(_("See the claims of your ID token"))
        ends = _("<em>Sign out</em> (top right) also ends your firmid session (RP-initiated logout).")
        parts.append(f'<p id="signed-in-as">{signed_in}</p><p><a href="/claims">{see}</a></p><p>{ends}</p>')
    else:
        intro = _(
            "Documents is a demo application of the platform. It has no passwords of its own: "
            "<em>Sign in</em> takes you to firmid (%(issuer)s), which applies your "
            "firm's MFA policy, then brings you back here with an ID token."
        ) % {"issuer": f"<code>{escape(issuer)}</code>"}
        mfa = _("asks firmid for a second factor whatever your firm's level (%(parameter)s).") % {
            "parameter": "<code>acr_values=urn:firmid:acr:mfa</code>"
        }
        sign_in, with_mfa = escape(_("Sign in")), escape(_("Sign in with MFA required"))
        parts.append(
            f"<p>{intro}</p>"
            '<form method="post" action="/login">'
            f'<p><button type="submit">{sign_in}</button></p></form>'
            '<form method="post" action="/login"><input type="hidden" name="acr" value="mfa">'
            f'<p><button type="submit" class="secondary">{with_mfa}</button> '
            f"{mfa}</p></form>"
        )
    return "".join(parts)


def moment(t: NullTranslations, when: datetime) -> str:
    """A moment for a person: 2 December 2026, 14:05:03 UTC (2 décembre 2026 à 14:05:03 UTC)."""
    return t.gettext("%(day)s %(month)s %(year)s, %(time)s UTC") % {
        "day": when.day,
        "month": t.gettext(MONTHS[when.month - 1]),
        "year": when.year,
        "time": when.strftime("%H:%M:%S"),
    }


def _claim_value(t: NullTranslations, name: str, value: Any) -> str:
    if value is None:
        absent = escape(t.gettext("absent"))
        return f'<span class="absent" aria-hidden="true">—</span><span class="sr">{absent}</span>'
    if name == "firm" and isinstance(value, dict):
        return f"{escape(str(value.get('name', '')))} <small>(id {escape(str(value.get('id', '')))})</small>"
    if name == "auth_time" and isinstance(value, (int, float)) and not isinstance(value, bool):
        when = moment(t, datetime.fromtimestamp(value, tz=UTC))
        return f"{escape(str(value))} <small>({escape(when)})</small>"
    if isinstance(value, list):
        return escape(" ".join(str(v) for v in value))
    if isinstance(value, dict):
        return escape(json.dumps(value))
    return escape(str(value))


def _scopes_as_code(meaning: str) -> str:
    """ "(scope email)": the scope's name is a protocol value, the same in every language."""
    return re.sub(r"\b(scope) (email|profile)\b", r"\1 <code>\2</code>", meaning)


def claims(t: NullTranslations, claims: dict[str, Any]) -> str:
    _ = t.gettext
    rows = "".join(
        f'<tr role="row"><th scope="row" role="rowheader">{name}</th>'
        f'<td role="cell" id="claim-{name}">{_claim_value(t, name, claims.get(name))}</td>'
        f'<td role="cell" class="meaning">{_scopes_as_code(escape(_(meaning)))}</td></tr>'
        for name, meaning in CLAIMS
    )
    raw = escape(json.dumps(claims, indent=2, sort_keys=True))
    heading, checked, caption = escape(_("Your ID token")), escape(_(CHECKED)), escape(_(CAPTION))
    claim, value, meaning = escape(_("claim")), escape(_("value")), escape(_("meaning"))
    received = escape(_("All the claims, as received"))
    return (
        f"<h1>{heading}</h1><p>{checked}</p>"
        # Explicit roles: on a phone the rows are laid out as grids, and a table's semantics must stay.
        f'<div class="scroll"><table id="claims" role="table"><caption class="sr">{caption}</caption>'
        f'<thead role="rowgroup"><tr role="row"><th scope="col" role="columnheader">{claim}</th>'
        f'<th scope="col" role="columnheader">{value}</th><th scope="col" role="columnheader">{meaning}</th></tr>'
        f'</thead><tbody role="rowgroup">{rows}</tbody></table></div>'
        f"<h2>{received}</h2>"
        f'<pre id="claims-json">{raw}</pre>'
    )


CHECKED = gettext_noop(
    "firmid signed this ID token; Documents verified its signature against firmid's JWKS, "
    "then its issuer, audience, expiry and nonce."
)
CAPTION = gettext_noop("The claims of your ID token and what they mean")


def problem(t: NullTranslations, title: str, detail: str, *, error: str | None = None) -> str:
    code = f" <code>{escape(error)}</code>" if error else ""
    back = escape(t.gettext("Back to Documents"))
    return (
        f'<h1>{escape(title)}</h1><p class="error" role="alert">{escape(detail)}{code}</p><p><a href="/">{back}</a></p>'
    )


def sign_out(t: NullTranslations, csrf_token: str) -> str:
    _ = t.gettext
    heading, question = escape(_("Sign out")), escape(_("Sign out of Documents, and of firmid too?"))
    return f"<h1>{heading}</h1><p>{question}</p>{sign_out_form(t, csrf_token)}"
