"""The federation's rules, exhaustively: who an upstream account may be, and whether it did MFA.

`link_verdict` is a decision table, first matching row wins. Each row names the facts that
decide it; ANY is a fact the row does not look at, and a frozenset is "one of these". Every
combination of the facts below is checked against the first row it matches, and every row
must be the first match of some combination (no row is hidden by those above it).
"""

from __future__ import annotations

import ast
import itertools
import pathlib

import pytest

from firmid.sso.rules import (
    REGISTERED_AMR,
    Holder,
    LinkFacts,
    LinkOutcome,
    LinkVerdict,
    Refusal,
    carried_amr,
    link_verdict,
    upstream_did_mfa,
)

ANY = object()
# Every firmid user the rules can see: (same firm and type, active, linked to another sub of the issuer).
HOLDERS = [Holder(same, active, linked) for same, active, linked in itertools.product((False, True), repeat=3)]
NOBODY = None
OUTSIDER = frozenset(holder for holder in HOLDERS if not holder.same_firm_and_type)
OURS = frozenset(holder for holder in HOLDERS if holder.same_firm_and_type)
OURS_LINKED = frozenset(holder for holder in OURS if holder.linked_to_issuer)
OURS_DISABLED = frozenset(holder for holder in OURS if not holder.active)
OURS_ACTIVE = frozenset(holder for holder in OURS if holder.active)
NO_EMAIL, EMAIL = "", "erin@northwind.test"

SIGN_IN, LINK, CREATE = (
    LinkVerdict(outcome) for outcome in (LinkOutcome.SIGN_IN, LinkOutcome.LINK, LinkOutcome.CREATE)
)
OTHER_FIRM, INACTIVE, EMAIL_MISSING, NOT_VERIFIED, EMAIL_ELSEWHERE, TAKEN, UNKNOWN, NO_COMPANY = (
    LinkVerdict(LinkOutcome.REFUSE, refusal)
    for refusal in (
        Refusal.OTHER_FIRM,
        Refusal.INACTIVE,
        Refusal.NO_EMAIL,
        Refusal.EMAIL_NOT_VERIFIED,
        Refusal.EMAIL_OF_OTHER_FIRM,
        Refusal.ALREADY_LINKED,
        Refusal.UNKNOWN_USER,
        Refusal.NO_CLIENT_COMPANY,
    )
)

COLUMNS = ("linked", "by_email", "email", "email_verified", "domain_served", "create_users", "needs_client_company")
DOMAIN = (
    (NOBODY, *HOLDERS),
    (NOBODY, *HOLDERS),
    (NO_EMAIL, EMAIL),
    (False, True),
    (False, True),
    (False, True),
    (False, True),
)

# linked, by email, email, verified, domain served, create users, needs client company -> verdict
TABLE = [
    # (issuer, sub) already names a user: that user or nobody, whatever the email now says.
    (OUTSIDER, ANY, ANY, ANY, ANY, ANY, ANY, OTHER_FIRM),
    (OURS_DISABLED, ANY, ANY, ANY, ANY, ANY, ANY, INACTIVE),
    (OURS_ACTIVE, ANY, ANY, ANY, ANY, ANY, ANY, SIGN_IN),
    # A first sign-in needs an email the upstream asserts as verified.
    (NOBODY, ANY, NO_EMAIL, ANY, ANY, ANY, ANY, EMAIL_MISSING),
    (NOBODY, ANY, EMAIL, False, ANY, ANY, ANY, NOT_VERIFIED),
    # The email names a user: linked only if they are of this firm and type, unlinked and active.
    (NOBODY, OUTSIDER, EMAIL, True, ANY, ANY, ANY, EMAIL_ELSEWHERE),
    (NOBODY, OURS_LINKED, EMAIL, True, ANY, ANY, ANY, TAKEN),
    (NOBODY, OURS_DISABLED, EMAIL, True, ANY, ANY, ANY, INACTIVE),
    (NOBODY, OURS_ACTIVE, EMAIL, True, ANY, ANY, ANY, LINK),
    # Nobody holds the email: created only in a served domain with creation on, in a client company if needed.
    (NOBODY, NOBODY, EMAIL, True, False, ANY, ANY, UNKNOWN),
    (NOBODY, NOBODY, EMAIL, True, True, False, ANY, UNKNOWN),
    (NOBODY, NOBODY, EMAIL, True, True, True, True, NO_COMPANY),
    (NOBODY, NOBODY, EMAIL, True, True, True, False, CREATE),
]


def _facts(linked, by_email, email, email_verified, domain_served, create_users, needs_client_company) -> LinkFacts:
    return LinkFacts(
        linked=linked,
        by_email=by_email,
        email=email,
        email_verified=email_verified,
        domain_served=domain_served,
        create_users=create_users,
        needs_client_company=needs_client_company,
    )


def _matches(want: object, have: object) -> bool:
    if want is ANY:
        return True
    if isinstance(want, frozenset):
        return have in want
    return want == have


def _first_row(combination: tuple) -> int:
    for index, row in enumerate(TABLE):
        if all(_matches(want, have) for want, have in zip(row[:-1], combination, strict=True)):
            return index
    raise AssertionError(f"no row for {combination}")


COMBINATIONS = list(itertools.product(*DOMAIN))
FIRST_ROW = {combination: _first_row(combination) for combination in COMBINATIONS}


@pytest.mark.parametrize(
    "index", range(len(TABLE)), ids=lambda i: f"row{i:02d}-{TABLE[i][-1].refusal or TABLE[i][-1].outcome}"
)
def test_link_table(index: int) -> None:
    decided_here = [combination for combination, first in FIRST_ROW.items() if first == index]
    assert decided_here, "a row above hides this one"
    wrong = [c for c in decided_here if link_verdict(_facts(*c)) != TABLE[index][-1]]
    assert not wrong, f"{len(wrong)} of {len(decided_here)}, e.g. {dict(zip(COLUMNS, wrong[0], strict=True))}"


def test_table_decides_every_combination() -> None:
    assert len(FIRST_ROW) == len(COMBINATIONS) == 9 * 9 * 2 * 2 * 2 * 2 * 2


def test_refusals_name_a_reason_and_only_refusals_do() -> None:
    for row in TABLE:
        verdict = row[-1]
        assert (verdict.refusal is not None) is (verdict.outcome is LinkOutcome.REFUSE)


def test_every_refusal_reason_is_reachable() -> None:
    assert {row[-1].refusal for row in TABLE} - {None} == set(Refusal)


def test_no_combination_signs_in_as_a_user_of_another_firm_or_type() -> None:
    for combination in COMBINATIONS:
        facts = _facts(*combination)
        outcome = link_verdict(facts).outcome
        if outcome is LinkOutcome.SIGN_IN:
            assert facts.linked in OURS_ACTIVE
        if outcome is LinkOutcome.LINK:
            assert facts.linked is None and facts.by_email in OURS_ACTIVE and facts.email_verified
            assert not facts.by_email.linked_to_issuer
        if outcome is LinkOutcome.CREATE:
            assert facts.linked is None and facts.by_email is None
            assert facts.email_verified and facts.domain_served and facts.create_users


# (amr, acr) as the upstream's ID token carries them; the connection's MFA acr is PAPE's unless told.
PAPE = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
MFA_CASES = [
    # What real providers send.
    pytest.param(["pwd", "mfa"], None, PAPE, True, id="entra-password-and-mfa"),
    pytest.param(["pwd"], None, PAPE, False, id="entra-password-only"),
    pytest.param(["pwd", "otp", "mfa"], None, PAPE, True, id="okta-password-otp-mfa"),
    pytest.param(None, None, PAPE, False, id="google-no-amr"),
    pytest.param(None, "urn:google:acr:anything", PAPE, False, id="google-other-acr"),
    # amr alone: "mfa", or a factor one knows together with one one has or is.
    pytest.param(["mfa"], None, PAPE, True, id="mfa-alone"),
    pytest.param(["otp"], None, PAPE, False, id="otp-alone-is-one-factor"),
    pytest.param(["hwk"], None, PAPE, False, id="security-key-alone"),
    pytest.param(["pwd", "otp"], None, PAPE, True, id="password-and-otp"),
    pytest.param(["pwd", "hwk"], None, PAPE, True, id="password-and-security-key"),
    pytest.param(["pin", "fpt"], None, PAPE, True, id="pin-and-fingerprint"),
    pytest.param(["kba", "sms"], None, PAPE, True, id="questions-and-sms"),
    pytest.param(["pwd", "kba"], None, PAPE, False, id="two-things-one-knows"),
    pytest.param(["otp", "sms"], None, PAPE, False, id="two-things-one-has"),
    pytest.param(["rba", "wia", "mca", "geo"], None, PAPE, False, id="signals-that-are-not-factors"),
    # acr: the connection's MFA acr, exactly.
    pytest.param(["pwd"], PAPE, PAPE, True, id="password-and-pape-acr"),
    pytest.param(None, PAPE, PAPE, True, id="pape-acr-without-amr"),
    pytest.param(["pwd"], "urn:okta:mfa", "urn:okta:mfa", True, id="connection-own-mfa-acr"),
    pytest.param(["pwd"], PAPE, "urn:okta:mfa", False, id="pape-acr-when-connection-names-another"),
    pytest.param(["pwd"], "", "", False, id="empty-acr-never-matches-empty-setting"),
    pytest.param(["pwd"], PAPE.upper(), PAPE, False, id="acr-compared-exactly"),
    # Junk types: never MFA by accident.
    pytest.param("pwd mfa", None, PAPE, False, id="amr-a-string"),
    pytest.param({"mfa": True}, None, PAPE, False, id="amr-an-object"),
    pytest.param(("pwd", "mfa"), None, PAPE, False, id="amr-not-a-json-array"),
    pytest.param([1, None, ["mfa"], {"mfa": 1}], None, PAPE, False, id="amr-of-non-strings"),
    pytest.param(["MFA", "Pwd", "OTP"], None, PAPE, False, id="amr-compared-exactly"),
    pytest.param(["x-mfa", "mfa2"], None, PAPE, False, id="unregistered-lookalikes"),
    pytest.param(["pwd", 7, "otp"], None, PAPE, True, id="junk-beside-real-factors"),
    pytest.param(["pwd"], [PAPE], PAPE, False, id="acr-a-list"),
    pytest.param(["pwd"], 1, PAPE, False, id="acr-a-number"),
]


@pytest.mark.parametrize(("amr", "acr", "mfa_acr", "did_mfa"), MFA_CASES)
def test_upstream_did_mfa(amr: object, acr: object, mfa_acr: str, did_mfa: bool) -> None:
    assert upstream_did_mfa(amr=amr, acr=acr, mfa_acr=mfa_acr) is did_mfa


AMR_CASES = [
    pytest.param(["pwd", "mfa"], ["pwd", "mfa"], id="registered-kept"),
    pytest.param(["mfa", "otp", "pwd"], ["mfa", "otp", "pwd"], id="order-kept"),
    pytest.param(["pwd", "x-okta-push", "mfa"], ["pwd", "mfa"], id="unregistered-dropped"),
    pytest.param(["otp", "pwd", "otp", "pwd"], ["otp", "pwd"], id="duplicates-once-at-first-place"),
    pytest.param([1, "pwd", None, True, ["otp"], {"mfa": 1}, 2.5], ["pwd"], id="non-strings-dropped"),
    pytest.param(["PWD", "Mfa", " pwd"], [], id="no-case-or-space-folding"),
    pytest.param([], [], id="empty"),
    pytest.param(None, [], id="absent"),
    pytest.param("pwd", [], id="a-string-not-a-list"),
    pytest.param(("pwd",), [], id="a-tuple-not-json"),
    pytest.param({"pwd": 1}, [], id="an-object"),
    pytest.param(sorted(REGISTERED_AMR), sorted(REGISTERED_AMR), id="the-whole-registry"),
]


@pytest.mark.parametrize(("amr", "carried"), AMR_CASES)
def test_carried_amr(amr: object, carried: list[str]) -> None:
    assert carried_amr(amr) == carried


def test_registered_amr_is_rfc_8176s_registry() -> None:
    rfc_8176 = "face fpt geo hwk iris kba mca mfa otp pin pwd rba retina sc sms swk tel user vbm wia"
    assert set(rfc_8176.split()) == REGISTERED_AMR


def test_rules_module_imports_no_django() -> None:
    source = pathlib.Path(link_verdict.__code__.co_filename).read_text()
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert not any(name.startswith(("django", "firmid", "joserfc", "requests")) for name in imported)
