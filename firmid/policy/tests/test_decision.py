"""The MFA decision, exhaustively: every combination of its inputs, written out as a table."""

from __future__ import annotations

import itertools

import pytest

from firmid.policy import Action, MfaLevel, PolicyInput, Status, decide

U, S, M = MfaLevel.UPON_REQUEST, MfaLevel.SUGGESTED, MfaLevel.MANDATORY
NONE, VERIFY, OPT, REQ, SSO = (
    Action.NONE, Action.VERIFY, Action.ENROLL_OPTIONAL, Action.ENROLL_REQUIRED, Action.SSO,
)
NOT_OFFERED, SUGGESTED, FORCED, CONFIGURED, BY_SSO = (
    Status.NOT_OFFERED, Status.SUGGESTED, Status.FORCED, Status.CONFIGURED, Status.MANAGED_BY_SSO,
)

# level, sso, individually activated, has a factor, support agent -> action, status
TABLE = [
    # Firm users, no SSO.
    (U, False, False, False, False, NONE, NOT_OFFERED),
    (U, False, False, True, False, VERIFY, CONFIGURED),
    (U, False, True, False, False, REQ, FORCED),
    (U, False, True, True, False, VERIFY, CONFIGURED),
    (S, False, False, False, False, OPT, SUGGESTED),
    (S, False, False, True, False, VERIFY, CONFIGURED),
    (S, False, True, False, False, REQ, FORCED),
    (S, False, True, True, False, VERIFY, CONFIGURED),
    (M, False, False, False, False, REQ, FORCED),
    (M, False, False, True, False, VERIFY, CONFIGURED),
    (M, False, True, False, False, REQ, FORCED),
    (M, False, True, True, False, VERIFY, CONFIGURED),
    # Firm users whose type signs in through the firm's SSO: its identity provider is in charge.
    (U, True, False, False, False, SSO, BY_SSO),
    (U, True, False, True, False, SSO, BY_SSO),
    (U, True, True, False, False, SSO, BY_SSO),
    (U, True, True, True, False, SSO, BY_SSO),
    (S, True, False, False, False, SSO, BY_SSO),
    (S, True, False, True, False, SSO, BY_SSO),
    (S, True, True, False, False, SSO, BY_SSO),
    (S, True, True, True, False, SSO, BY_SSO),
    (M, True, False, False, False, SSO, BY_SSO),
    (M, True, False, True, False, SSO, BY_SSO),
    (M, True, True, False, False, SSO, BY_SSO),
    (M, True, True, True, False, SSO, BY_SSO),
    # Support agents always use MFA, whatever the other inputs say.
    (U, False, False, False, True, REQ, FORCED),
    (U, False, False, True, True, VERIFY, CONFIGURED),
    (U, False, True, False, True, REQ, FORCED),
    (U, False, True, True, True, VERIFY, CONFIGURED),
    (S, False, False, False, True, REQ, FORCED),
    (S, False, False, True, True, VERIFY, CONFIGURED),
    (S, False, True, False, True, REQ, FORCED),
    (S, False, True, True, True, VERIFY, CONFIGURED),
    (M, False, False, False, True, REQ, FORCED),
    (M, False, False, True, True, VERIFY, CONFIGURED),
    (M, False, True, False, True, REQ, FORCED),
    (M, False, True, True, True, VERIFY, CONFIGURED),
    (U, True, False, False, True, REQ, FORCED),
    (U, True, False, True, True, VERIFY, CONFIGURED),
    (U, True, True, False, True, REQ, FORCED),
    (U, True, True, True, True, VERIFY, CONFIGURED),
    (S, True, False, False, True, REQ, FORCED),
    (S, True, False, True, True, VERIFY, CONFIGURED),
    (S, True, True, False, True, REQ, FORCED),
    (S, True, True, True, True, VERIFY, CONFIGURED),
    (M, True, False, False, True, REQ, FORCED),
    (M, True, False, True, True, VERIFY, CONFIGURED),
    (M, True, True, False, True, REQ, FORCED),
    (M, True, True, True, True, VERIFY, CONFIGURED),
]


@pytest.mark.parametrize(("level", "sso", "activated", "factor", "agent", "action", "status"), TABLE)
def test_decision_table(level, sso, activated, factor, agent, action, status) -> None:  # noqa: ANN001
    decision = decide(PolicyInput(level, sso, activated, factor, agent))
    assert (decision.action, decision.status) == (action, status)


def test_table_covers_every_combination_once() -> None:
    combinations = set(itertools.product(MfaLevel, [False, True], [False, True], [False, True], [False, True]))
    rows = [row[:5] for row in TABLE]
    assert len(rows) == len(set(rows)) == len(combinations)
    assert set(rows) == combinations


@pytest.mark.parametrize("level", list(MfaLevel))
def test_lowering_a_level_never_removes_a_configured_factor(level: MfaLevel) -> None:
    assert decide(PolicyInput(level, False, False, True)).action is Action.VERIFY


def test_only_enrolment_actions_allow_enrolment() -> None:
    assert decide(PolicyInput(S, False, False, False)).may_enroll
    assert decide(PolicyInput(M, False, False, False)).must_enroll
    assert not decide(PolicyInput(U, False, False, False)).may_enroll


def test_policy_module_imports_no_django() -> None:
    import ast
    import pathlib

    source = pathlib.Path(decide.__code__.co_filename).read_text()
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert not any(name.startswith("django") for name in imported)
