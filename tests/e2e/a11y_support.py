"""What the accessibility, layout and French browser tests share: axe-core, widths, English words.

- axe-core comes from npm (tests/a11y/package.json, `npm ci --prefix tests/a11y`) and is
  injected into the page as a file; firmid's Content-Security-Policy forbids any script it
  did not serve, so the contexts that run axe are made with `bypass_csp=True`.
- A page "scrolls sideways" when the document is wider than the viewport.
- English words: common English words that are not French words too, looked for as whole
  words in what a person reads, once names and e-mail addresses are taken out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect

from firmid.demo.data import DEMO_PASSWORD
from firmid.testing.language import english_words as english_words_of

from .pages import CODE, ENROL, LOGIN, RECOVERY_CODES, path_is

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "test-results"
FAILING_IMPACTS = ("serious", "critical")
LOCALES = {"en": "en-US", "fr": "fr-FR"}
TRUST = "/accounts/security/trust-browser/"


# --- Signing in whatever the page's language: by fields and buttons' names, not their words. ---


def give_password(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """The sign-in page's two steps: the address, Enter; the password, Enter."""
    page.goto(LOGIN)
    give_password_here(page, email, password)


def give_password_here(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """On the sign-in page, however the browser got there (e.g. sent by Documents)."""
    page.locator('input[name="login"]').fill(email)
    page.locator('input[name="login"]').press("Enter")
    page.locator('input[name="password"]').fill(password)
    page.locator('input[name="password"]').press("Enter")
    page.wait_for_load_state()


def activate_shown_key(page: Page, code_of: Callable[[str], str]) -> str:
    """On the set-up page: the code of the shown key, Activate; return the key."""
    expect(page).to_have_url(path_is(ENROL))
    secret = page.locator("#totp-key").inner_text().strip()
    page.locator('input[name="code"]').fill(code_of(secret))
    page.locator('button[name="confirm"]').click()
    expect(page).to_have_url(path_is(RECOVERY_CODES))
    return secret


def leave_recovery_codes(page: Page) -> None:
    """On the recovery codes page: I have saved them."""
    page.locator('button[name="continue"]').click()
    page.wait_for_load_state()


def decline_trust(page: Page) -> None:
    """On the trust page, if shown: Not now."""
    if page.url.split("?")[0].endswith(TRUST):
        page.locator("#not-now").click()
        page.wait_for_load_state()


def type_code(page: Page, code: str) -> None:
    """On the code page: the code, Enter."""
    expect(page).to_have_url(path_is(CODE))
    page.locator('input[name="code"]').fill(code)
    page.locator('input[name="code"]').press("Enter")
    page.wait_for_load_state()


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: list[str]
    summary: str

    def describe(self) -> str:
        targets = "; ".join(self.targets[:6]) + (f"; … ({len(self.targets)} elements)" if len(self.targets) > 6 else "")
        return f"  [{self.impact}] {self.rule}: {self.help}\n      at {targets}\n      {self.summary}"


def axe_violations(page: Page) -> list[Violation]:
    """Run axe-core on the page as it is now; return its serious and critical violations."""
    if not AXE.exists():
        raise AssertionError(f"axe-core is not installed: run `npm ci --prefix tests/a11y` ({AXE} is missing)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                rule: v.id, impact: v.impact || "", help: v.help,
                targets: v.nodes.map((n) => n.target.join(" ")),
                summary: (v.nodes[0] && v.nodes[0].failureSummary || "").replace(/\\s+/g, " ").slice(0, 300),
            }));
        }"""
    )
    return [Violation(**v) for v in result if v["impact"] in FAILING_IMPACTS]


def axe_report(name: str, page: Page, violations: list[Violation]) -> str:
    lines = [f"{len(violations)} serious or critical axe-core violation(s) on {name} ({page.url}):"]
    lines += [violation.describe() for violation in violations]
    return "\n".join(lines)


def sideways_scroll(page: Page) -> tuple[int, int]:
    """(document width, viewport width): the page scrolls sideways when the first is larger."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    return widths[0], widths[1]


def widest_elements(page: Page, limit: int = 5) -> list[str]:
    """The elements that stick out past the viewport's right edge, for a failure message."""
    return page.evaluate(
        """(limit) => {
            const width = document.documentElement.clientWidth;
            const out = [];
            for (const el of document.body.querySelectorAll("*")) {
                const box = el.getBoundingClientRect();
                if (box.right > width + 1 && box.width > 0) {
                    const id = el.id ? "#" + el.id : "";
                    const cls = el.classList.length ? "." + [...el.classList].join(".") : "";
                    out.push(`${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(box.right)} px)`);
                }
            }
            return out.slice(0, limit);
        }""",
        limit,
    )


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=path, full_page=full_page)
    return path


# What a person reads: visible text nodes, without code, keys, recovery codes and the parts
# marked as another language (the switch "English", lang="en").
VISIBLE_TEXT = """([language, more]) => {
    const skip = "script, style, noscript, template, code, pre, kbd, samp, .key, #totp-key, #recovery-codes, [translate=no]" + more;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const parts = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!el || el.closest(skip)) continue;
        const lang = el.closest("[lang]");
        if (lang && !lang.lang.toLowerCase().startsWith(language)) continue;
        if (el.checkVisibility && !el.checkVisibility()) continue;
        parts.push(node.nodeValue);
    }
    const attributes = [];
    for (const el of document.body.querySelectorAll("[aria-label], [placeholder], [title], img[alt], input[type=submit][value]")) {
        const lang = el.closest("[lang]");
        if (lang && !lang.lang.toLowerCase().startsWith(language)) continue;
        for (const name of ["aria-label", "placeholder", "title", "alt"]) {
            if (el.hasAttribute(name)) attributes.push(el.getAttribute(name));
        }
        if (el.matches("input[type=submit]")) attributes.push(el.value);
    }
    return parts.join(" ") + " | " + attributes.join(" | ") + " | " + document.title;
}"""


def read_text(page: Page, language: str = "fr", *, skip: str = "") -> str:
    """What a person reads on the page in `language` (text, labels, title), code and keys left out.

    `skip`: a CSS selector of more elements to leave out (machine-readable data shown as such).
    """
    return page.evaluate(VISIBLE_TEXT, [language, f", {skip}" if skip else ""])


def english_words(text: str, *, names: tuple[str, ...] = ()) -> list[str]:
    """The English words of `text` (read off the page by `read_text`), names, addresses and codes left out."""
    return english_words_of(text, names=names, html=False)
