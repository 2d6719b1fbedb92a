"""The impact preview's fragment: plain sentences and an accessible table of TypeImpact rows."""

from __future__ import annotations

import re
from html import unescape

from django.template.loader import render_to_string

from firmid.mfa.levels.impact import TypeImpact
from firmid.policy import UserType

IMPACT = [
    TypeImpact(
        UserType.PRACTITIONERS, 1204, 310, 0, 894, 0, 402, False, now_offered=894, now_forced=0, now_with_mfa=310
    ),
    TypeImpact(UserType.CLIENTS, 1, 1, 0, 0, 0, 0, False, now_with_mfa=1),
    TypeImpact(UserType.CLIENT_EMPLOYEES, 5000, 0, 0, 0, 0, 0, True),
]


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def test_sentences_say_who_would_have_to_set_mfa_up() -> None:
    html = render_to_string("administration/_impact.html", {"impact": IMPACT})
    sentences = [text(li) for li in re.findall(r"<li>(.*?)</li>", html, re.S)]
    assert sentences[0] == (
        "Practitioners: 1,204 users; 310 already use MFA; 894 would have to set it up at their next sign-in, "
        "402 of whom signed in in the last 30 days. Today: 310 use MFA, 0 must set it up, 894 are offered it."
    )
    assert (
        sentences[1]
        == "Administrator clients and standard clients: 1 user; 1 already uses MFA. No user's sign-in changes."
    )
    assert sentences[2] == (
        "Employees of the accounting firm's clients: 5,000 users; they sign in through the firm's identity "
        "provider, which manages their MFA: nothing changes for them."
    )


def test_table_has_a_caption_and_scoped_headers() -> None:
    html = render_to_string("administration/_impact.html", {"impact": IMPACT})
    assert "<caption>" in html
    assert html.count('<th scope="col">') == 7
    assert html.count('<th scope="row">') == 3
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1], re.S)
    cells = [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", rows[0], re.S)]
    assert cells == ["Practitioners", "1,204", "310 (310)", "894 (0)", "402", "0 (894)", "0"]
    assert "Managed by the firm's identity provider (SSO): nothing changes" in text(rows[2])
