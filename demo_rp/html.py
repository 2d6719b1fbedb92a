"""The demo application's pages: plain HTML, every value escaped."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from html import escape
from typing import Any

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
header{background:#1f4e79;color:#fff;padding:.8rem 1.5rem;display:flex;gap:1rem;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600;font-size:1.2rem}
header .who{margin-left:auto;font-size:.95rem}
main{max-width:60rem;margin:1.5rem auto;padding:0 1.5rem}
form.inline{display:inline}
button{font:inherit;padding:.45rem 1rem;border-radius:4px;border:1px solid #1f4e79;background:#1f4e79;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1f4e79}
header button{border-color:#fff}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #d5d9e0;padding:.4rem .6rem;text-align:left;vertical-align:top}
td.meaning{color:#4a5568;font-size:.9rem}
pre{background:#fff;border:1px solid #d5d9e0;padding:1rem;overflow:auto}
.notice{background:#e6f4ea;border:1px solid #9fd3ad;padding:.6rem 1rem}
.error{background:#fdecea;border:1px solid #f5b7b1;padding:.6rem 1rem}
code{background:#eef0f3;padding:0 .2rem}
"""

# The one inline style block, allowed by its hash: no other inline style or any script runs.
# The meta policy adds to the header's (demo_rp/app.py); a browser enforces both.
STYLE_SOURCE = f"'sha256-{base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()}'"
META_POLICY = f"default-src 'none'; style-src {STYLE_SOURCE}; img-src 'self'; base-uri 'none'; object-src 'none'"

# The claims an application of the platform reads, and what they mean (docs/oidc.md).
CLAIMS = [
    (
        "sub",
        "Who the user is, for every application: an opaque identifier, stable for life. "
        "Key your data on it, never on the email.",
    ),
    ("email", "The user's email address (scope email)."),
    ("name", "The user's full name (scope profile)."),
    ("firm", "The accounting firm the user belongs to: its id and name."),
    ("user_type", "practitioners, clients or client_employees: the unit of the firm's MFA policy."),
    ("role", "The user's role."),
    (
        "amr",
        "What the user really used in this sign-in: pwd = password, otp = one-time code "
        "from an authenticator app, mfa = more than one factor, fed = through the firm's own "
        "identity provider (followed by what that provider reported).",
    ),
    (
        "acr",
        "urn:firmid:acr:mfa when the sign-in used a second factor (at firmid, or at the firm's identity "
        "provider), urn:firmid:acr:pwd otherwise.",
    ),
    ("auth_time", "When the user last really authenticated at firmid (not when this token was issued)."),
]


def layout(title: str, body: str, *, user: dict[str, Any] | None = None, csrf_token: str = "") -> str:
    who = ""
    if user:
        who = (
            f'<span class="who">{escape(str(user.get("name") or user.get("email") or user["sub"]))}</span>'
            f"{sign_out_form(csrf_token)}"
        )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{META_POLICY}">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f'<body><header><a href="/">Documents</a>{who}</header><main>{body}</main></body></html>'
    )


def sign_out_form(csrf_token: str) -> str:
    return (
        '<form class="inline" method="post" action="/logout">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">'
        '<button type="submit" class="secondary">Sign out</button></form>'
    )


def home(*, user: dict[str, Any] | None, notice: str | None, issuer: str) -> str:
    parts = ["<h1>Documents</h1>"]
    if notice:
        parts.append(f'<p class="notice" role="status">{escape(notice)}</p>')
    if user:
        firm = user.get("firm") or {}
        parts.append(
            f'<p id="signed-in-as">Signed in as <strong>{escape(str(user.get("name", "")))}</strong>'
            f"{' — ' + escape(str(firm.get('name', ''))) if isinstance(firm, dict) and firm.get('name') else ''}"
            "</p>"
            '<p><a href="/claims">See the claims of your ID token</a></p>'
            "<p><em>Sign out</em> (top right) also ends your firmid session (RP-initiated logout).</p>"
        )
    else:
        parts.append(
            "<p>Documents is a demo application of the platform. It has no passwords of its own: "
            f"<em>Sign in</em> takes you to firmid (<code>{escape(issuer)}</code>), which applies your "
            "firm's MFA policy, then brings you back here with an ID token.</p>"
            '<form method="post" action="/login">'
            '<p><button type="submit">Sign in</button></p></form>'
            '<form method="post" action="/login"><input type="hidden" name="acr" value="mfa">'
            '<p><button type="submit" class="secondary">Sign in with MFA required</button> '
            "asks firmid for a second factor whatever your firm's level "
            "(<code>acr_values=urn:firmid:acr:mfa</code>).</p></form>"
        )
    return "".join(parts)


def _claim_value(name: str, value: Any) -> str:
    if value is None:
        return '<span class="absent">—</span>'
    if name == "firm" and isinstance(value, dict):
        return f"{escape(str(value.get('name', '')))} <small>(id {escape(str(value.get('id', '')))})</small>"
    if name == "auth_time" and isinstance(value, (int, float)) and not isinstance(value, bool):
        when = datetime.fromtimestamp(value, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"{escape(str(value))} <small>({when})</small>"
    if isinstance(value, list):
        return escape(" ".join(str(v) for v in value))
    if isinstance(value, dict):
        return escape(json.dumps(value))
    return escape(str(value))


def claims(claims: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{name}</th><td id="claim-{name}">{_claim_value(name, claims.get(name))}</td>'
        f'<td class="meaning">{escape(meaning)}</td></tr>'
        for name, meaning in CLAIMS
    )
    raw = escape(json.dumps(claims, indent=2, sort_keys=True))
    return (
        "<h1>Your ID token</h1>"
        "<p>firmid signed this ID token; Documents verified its signature against firmid's JWKS, "
        "then its issuer, audience, expiry and nonce.</p>"
        '<table id="claims"><thead><tr><th scope="col">claim</th><th scope="col">value</th>'
        f'<th scope="col">meaning</th></tr></thead><tbody>{rows}</tbody></table>'
        f'<h2>All the claims, as received</h2><pre id="claims-json">{raw}</pre>'
    )


def problem(title: str, detail: str, *, error: str | None = None) -> str:
    code = f" <code>{escape(error)}</code>" if error else ""
    return (
        f"<h1>{escape(title)}</h1>"
        f'<p class="error" role="alert">{escape(detail)}{code}</p>'
        '<p><a href="/">Back to Documents</a></p>'
    )
