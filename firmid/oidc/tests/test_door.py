"""The authorization door, exhaustively: a decision table, first matching row wins.

Each row names the facts that decide it; ANY is a fact the row does not look at. Every
combination of the facts below is checked against the first row it matches, and every row
must be the first match of some combination (no row is hidden by those above it).
"""

from __future__ import annotations

import ast
import itertools
import pathlib

import pytest

from firmid.oidc.door import DoorFacts, Hint, Outcome, Verdict, door_verdict

ANY = object()
NONE, LOGIN, SELECT, BOTH = (
    frozenset({"none"}),
    frozenset({"login"}),
    frozenset({"select_account"}),
    frozenset({"login", "select_account"}),
)
NO_PROMPT = frozenset()
ABSENT, FOREIGN, USER, OTHER = Hint.ABSENT, Hint.FOREIGN, Hint.SIGNED_IN_USER, Hint.ANOTHER_USER
# max_age and the seconds since sign-in: none asked, exactly max_age (not older), one second older.
NO_MAX_AGE, AT_MAX_AGE, OLDER = (None, 10**6), (60, 60.0), (60, 61.0)
# The MFA decision: (must enrol, asks for the code, the firm's identity provider in charge).
PASSWORD_ONLY, CODE, ENROL_FIRST, FEDERATED = (
    (False, False, False),
    (False, True, False),
    (True, False, False),
    (False, False, True),
)
# Who asks for MFA: (the application, acr_values).
NOBODY, APPLICATION, ACR, BOTH_ASK = (False, False), (True, False), (False, True), (True, True)
PWD, MFA = False, True  # a second factor used in this session

PROCEED, SIGN_IN, ENROL = Verdict(Outcome.PROCEED), Verdict(Outcome.SIGN_IN), Verdict(Outcome.ENROL)
VERIFY, SET_UP = Verdict(Outcome.VERIFY_FACTOR), Verdict(Outcome.SET_UP_FACTOR)
UPSTREAM = Verdict(Outcome.UPSTREAM_MFA)
AGAIN_PROMPT = Verdict(Outcome.SIGN_IN_AGAIN, consumed="prompt")
AGAIN_MAX_AGE = Verdict(Outcome.SIGN_IN_AGAIN, consumed="max_age")
AGAIN_HINT = Verdict(Outcome.SIGN_IN_AGAIN, consumed="id_token_hint")
BAD_HINT = Verdict(Outcome.REFUSE, "invalid_request", "id_token_hint is not an ID token firmid issued to this client.")
LOGIN_REQUIRED = Verdict(Outcome.REFUSE, "login_required")  # DOT's answer: no description
TOO_OLD = Verdict(Outcome.REFUSE, "login_required", "The authentication is older than max_age.")
NOT_HINTED = Verdict(Outcome.REFUSE, "login_required", "The user signed in is not the one id_token_hint names.")
DENIED = Verdict(Outcome.REFUSE, "access_denied", "This application is not open to your account.")
INTERACTION = Verdict(Outcome.REFUSE, "interaction_required", "This application requires MFA.")

COLUMNS = ("signed_in", "prompt", "hint", "age", "admitted", "policy", "mfa_asked_by", "session")
DOMAIN = (
    (False, True),
    (NO_PROMPT, NONE, LOGIN, SELECT, BOTH),
    (ABSENT, FOREIGN, USER, OTHER),
    (NO_MAX_AGE, AT_MAX_AGE, OLDER),
    (False, True),
    (PASSWORD_ONLY, CODE, ENROL_FIRST, FEDERATED),
    (NOBODY, APPLICATION, ACR, BOTH_ASK),
    (PWD, MFA),
)

# signed in, prompt, id_token_hint, age, admitted, MFA policy, MFA asked by, session -> verdict
TABLE = [
    # A hint firmid did not issue to this client is a bad request, whoever asks.
    (ANY, ANY, FOREIGN, ANY, ANY, ANY, ANY, ANY, BAD_HINT),
    # prompt=login and select_account: the sign-in page, the prompt consumed.
    (ANY, LOGIN, ANY, ANY, ANY, ANY, ANY, ANY, AGAIN_PROMPT),
    (ANY, SELECT, ANY, ANY, ANY, ANY, ANY, ANY, AGAIN_PROMPT),
    (ANY, BOTH, ANY, ANY, ANY, ANY, ANY, ANY, AGAIN_PROMPT),
    # Nobody signed in: the sign-in page, or login_required under prompt=none.
    (False, NONE, ANY, ANY, ANY, ANY, ANY, ANY, LOGIN_REQUIRED),
    (False, ANY, ANY, ANY, ANY, ANY, ANY, ANY, SIGN_IN),
    # A session older than max_age: sign in again, or login_required under prompt=none.
    (True, NONE, ANY, OLDER, ANY, ANY, ANY, ANY, TOO_OLD),
    (True, ANY, ANY, OLDER, ANY, ANY, ANY, ANY, AGAIN_MAX_AGE),
    # A hint naming someone else: sign in again, or login_required under prompt=none.
    (True, NONE, OTHER, ANY, ANY, ANY, ANY, ANY, NOT_HINTED),
    (True, ANY, OTHER, ANY, ANY, ANY, ANY, ANY, AGAIN_HINT),
    # The application is not open to the user's type: whatever their factors.
    (True, ANY, ANY, ANY, False, ANY, ANY, ANY, DENIED),
    # The policy requires a set-up first: the sign-in asks for it, prompt=none or not.
    (True, ANY, ANY, ANY, True, ENROL_FIRST, ANY, ANY, ENROL),
    # Nobody asks for MFA, or the session used a second factor: the code.
    (True, ANY, ANY, ANY, True, ANY, NOBODY, ANY, PROCEED),
    (True, ANY, ANY, ANY, True, ANY, ANY, MFA, PROCEED),
    # The application or acr_values ask for MFA the session lacks: step up, unless prompt=none.
    (True, NONE, ANY, ANY, True, ANY, ANY, PWD, INTERACTION),
    # A user of the firm's identity provider steps up there (acr_values, prompt=login, max_age=0).
    (True, ANY, ANY, ANY, True, FEDERATED, ANY, PWD, UPSTREAM),
    (True, ANY, ANY, ANY, True, CODE, ANY, PWD, VERIFY),
    (True, ANY, ANY, ANY, True, PASSWORD_ONLY, ANY, PWD, SET_UP),
]


def _facts(signed_in, prompt, hint, age, admitted, policy, mfa_asked_by, session) -> DoorFacts:
    return DoorFacts(
        signed_in=signed_in,
        prompt=prompt,
        hint=hint,
        max_age=age[0],
        seconds_since_sign_in=age[1],
        admitted=admitted,
        must_enrol=policy[0],
        asks_for_code=policy[1],
        federated=policy[2],
        application_requires_mfa=mfa_asked_by[0],
        acr_values_ask_mfa=mfa_asked_by[1],
        session_has_mfa=session,
    )


def _first_row(combination: tuple) -> int:
    for index, row in enumerate(TABLE):
        if all(want is ANY or want == have for want, have in zip(row[:-1], combination, strict=True)):
            return index
    raise AssertionError(f"no row for {combination}")


COMBINATIONS = list(itertools.product(*DOMAIN))
FIRST_ROW = {combination: _first_row(combination) for combination in COMBINATIONS}


@pytest.mark.parametrize("index", range(len(TABLE)), ids=lambda i: f"row{i:02d}-{TABLE[i][-1].outcome.value}")
def test_door_table(index: int) -> None:
    decided_here = [combination for combination, first in FIRST_ROW.items() if first == index]
    assert decided_here, "a row above hides this one"
    wrong = [c for c in decided_here if door_verdict(_facts(*c)) != TABLE[index][-1]]
    assert not wrong, f"{len(wrong)} of {len(decided_here)}, e.g. {dict(zip(COLUMNS, wrong[0], strict=True))}"


def test_table_decides_every_combination() -> None:
    assert len(FIRST_ROW) == len(COMBINATIONS) == 2 * 5 * 4 * 3 * 2 * 4 * 4 * 2


@pytest.mark.parametrize("asked_by", [APPLICATION, ACR, BOTH_ASK])
def test_the_application_and_acr_values_each_ask_for_mfa(asked_by: tuple[bool, bool]) -> None:
    facts = _facts(True, NO_PROMPT, ABSENT, NO_MAX_AGE, True, CODE, asked_by, PWD)
    assert door_verdict(facts) == VERIFY


@pytest.mark.parametrize(("max_age", "seconds", "verdict"), [(0, 0.0, PROCEED), (0, 0.5, AGAIN_MAX_AGE)])
def test_max_age_zero_admits_only_a_sign_in_of_this_instant(max_age: int, seconds: float, verdict: Verdict) -> None:
    facts = DoorFacts(signed_in=True, max_age=max_age, seconds_since_sign_in=seconds, admitted=True)
    assert door_verdict(facts) == verdict


def test_refusals_name_an_oauth_error_and_only_refusals_do() -> None:
    for row in TABLE:
        verdict = row[-1]
        assert (verdict.error is not None) is (verdict.outcome is Outcome.REFUSE)
        assert (verdict.consumed is not None) is (verdict.outcome is Outcome.SIGN_IN_AGAIN)


def test_door_module_imports_no_django() -> None:
    source = pathlib.Path(door_verdict.__code__.co_filename).read_text()
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert not any(name.startswith(("django", "oauth2_provider", "allauth")) for name in imported)
