"""The MFA decision, exhaustively: every combination of its inputs, written out as a table."""

from __future__ import annotations

import itertools

import pytest

from firmid.policy import Action, Decision, ForcedBy, MfaLevel, PolicyInput, Status, decide

U, S, M = MfaLevel.UPON_REQUEST, MfaLevel.SUGGESTED, MfaLevel.MANDATORY
NONE, VERIFY, OPT, REQ, SSO = (
    Action.NONE,
    Action.VERIFY,
    Action.ENROLL_OPTIONAL,
    Action.ENROLL_REQUIRED,
    Action.SSO,
)
NOT_OFFERED, SUGGESTED, FORCED, CONFIGURED, BY_SSO = (
    Status.NOT_OFFERED,
    Status.SUGGESTED,
    Status.FORCED,
    Status.CONFIGURED,
    Status.MANAGED_BY_SSO,
)

NOBODY = frozenset()
LEVEL, ACTIVATED, AGENT, METHOD = (
    frozenset({ForcedBy.FIRM_LEVEL}),
    frozenset({ForcedBy.INDIVIDUAL_ACTIVATION}),
    frozenset({ForcedBy.SUPPORT_AGENT}),
    frozenset({ForcedBy.METHOD_NOT_ALLOWED}),
)

# level, sso, individually activated, has a factor, support agent -> action, status, why MFA is required
TABLE = [
    # Firm users, no SSO.
    (U, False, False, False, False, NONE, NOT_OFFERED, NOBODY),
    (U, False, False, True, False, VERIFY, CONFIGURED, NOBODY),
    (U, False, True, False, False, REQ, FORCED, ACTIVATED),
    (U, False, True, True, False, VERIFY, CONFIGURED, ACTIVATED),
    (S, False, False, False, False, OPT, SUGGESTED, NOBODY),
    (S, False, False, True, False, VERIFY, CONFIGURED, NOBODY),
    (S, False, True, False, False, REQ, FORCED, ACTIVATED),
    (S, False, True, True, False, VERIFY, CONFIGURED, ACTIVATED),
    (M, False, False, False, False, REQ, FORCED, LEVEL),
    (M, False, False, True, False, VERIFY, CONFIGURED, LEVEL),
    (M, False, True, False, False, REQ, FORCED, LEVEL | ACTIVATED),
    (M, False, True, True, False, VERIFY, CONFIGURED, LEVEL | ACTIVATED),
    # Firm users whose type signs in through the firm's SSO: its identity provider is in charge.
    (U, True, False, False, False, SSO, BY_SSO, NOBODY),
    (U, True, False, True, False, SSO, BY_SSO, NOBODY),
    (U, True, True, False, False, SSO, BY_SSO, NOBODY),
    (U, True, True, True, False, SSO, BY_SSO, NOBODY),
    (S, True, False, False, False, SSO, BY_SSO, NOBODY),
    (S, True, False, True, False, SSO, BY_SSO, NOBODY),
    (S, True, True, False, False, SSO, BY_SSO, NOBODY),
    (S, True, True, True, False, SSO, BY_SSO, NOBODY),
    (M, True, False, False, False, SSO, BY_SSO, NOBODY),
    (M, True, False, True, False, SSO, BY_SSO, NOBODY),
    (M, True, True, False, False, SSO, BY_SSO, NOBODY),
    (M, True, True, True, False, SSO, BY_SSO, NOBODY),
    # Support agents always use MFA, whatever the other inputs say.
    (U, False, False, False, True, REQ, FORCED, AGENT),
    (U, False, False, True, True, VERIFY, CONFIGURED, AGENT),
    (U, False, True, False, True, REQ, FORCED, ACTIVATED | AGENT),
    (U, False, True, True, True, VERIFY, CONFIGURED, ACTIVATED | AGENT),
    (S, False, False, False, True, REQ, FORCED, AGENT),
    (S, False, False, True, True, VERIFY, CONFIGURED, AGENT),
    (S, False, True, False, True, REQ, FORCED, ACTIVATED | AGENT),
    (S, False, True, True, True, VERIFY, CONFIGURED, ACTIVATED | AGENT),
    (M, False, False, False, True, REQ, FORCED, LEVEL | AGENT),
    (M, False, False, True, True, VERIFY, CONFIGURED, LEVEL | AGENT),
    (M, False, True, False, True, REQ, FORCED, LEVEL | ACTIVATED | AGENT),
    (M, False, True, True, True, VERIFY, CONFIGURED, LEVEL | ACTIVATED | AGENT),
    (U, True, False, False, True, REQ, FORCED, AGENT),
    (U, True, False, True, True, VERIFY, CONFIGURED, AGENT),
    (U, True, True, False, True, REQ, FORCED, ACTIVATED | AGENT),
    (U, True, True, True, True, VERIFY, CONFIGURED, ACTIVATED | AGENT),
    (S, True, False, False, True, REQ, FORCED, AGENT),
    (S, True, False, True, True, VERIFY, CONFIGURED, AGENT),
    (S, True, True, False, True, REQ, FORCED, ACTIVATED | AGENT),
    (S, True, True, True, True, VERIFY, CONFIGURED, ACTIVATED | AGENT),
    (M, True, False, False, True, REQ, FORCED, LEVEL | AGENT),
    (M, True, False, True, True, VERIFY, CONFIGURED, LEVEL | AGENT),
    (M, True, True, False, True, REQ, FORCED, LEVEL | ACTIVATED | AGENT),
    (M, True, True, True, True, VERIFY, CONFIGURED, LEVEL | ACTIVATED | AGENT),
]


# Firm users, no SSO, with the two inputs of allowed methods and rollout dates:
# level, individually activated, has an allowed factor, has a disallowed factor, Mandatory's date
# not reached yet -> action, status, why MFA is required. (Both False: the rows of TABLE.)
METHODS_AND_DATES = [
    # A factor of a kind no longer allowed, and no allowed one: an allowed one must be added.
    (U, False, False, True, False, REQ, FORCED, METHOD),
    (U, True, False, True, False, REQ, FORCED, ACTIVATED | METHOD),
    (S, False, False, True, False, REQ, FORCED, METHOD),
    (S, True, False, True, False, REQ, FORCED, ACTIVATED | METHOD),
    (M, False, False, True, False, REQ, FORCED, LEVEL | METHOD),
    (M, True, False, True, False, REQ, FORCED, LEVEL | ACTIVATED | METHOD),
    # An allowed factor beside it: that one is asked.
    (U, False, True, True, False, VERIFY, CONFIGURED, NOBODY),
    (U, True, True, True, False, VERIFY, CONFIGURED, ACTIVATED),
    (S, False, True, True, False, VERIFY, CONFIGURED, NOBODY),
    (S, True, True, True, False, VERIFY, CONFIGURED, ACTIVATED),
    (M, False, True, True, False, VERIFY, CONFIGURED, LEVEL),
    (M, True, True, True, False, VERIFY, CONFIGURED, LEVEL | ACTIVATED),
    # Mandatory from a date not reached yet: offered with Activate later, as Suggested.
    (M, False, False, False, True, OPT, SUGGESTED, NOBODY),
    (M, True, False, False, True, REQ, FORCED, ACTIVATED),
    (M, False, True, False, True, VERIFY, CONFIGURED, NOBODY),
    (M, True, True, False, True, VERIFY, CONFIGURED, ACTIVATED),
    (M, False, False, True, True, REQ, FORCED, METHOD),
    (M, True, False, True, True, REQ, FORCED, ACTIVATED | METHOD),
    (M, False, True, True, True, VERIFY, CONFIGURED, NOBODY),
    (M, True, True, True, True, VERIFY, CONFIGURED, ACTIVATED),
    # A date only ever comes with Mandatory; were it set with another level, it changes nothing.
    (U, False, False, False, True, NONE, NOT_OFFERED, NOBODY),
    (U, True, False, False, True, REQ, FORCED, ACTIVATED),
    (U, False, True, False, True, VERIFY, CONFIGURED, NOBODY),
    (U, True, True, False, True, VERIFY, CONFIGURED, ACTIVATED),
    (U, False, False, True, True, REQ, FORCED, METHOD),
    (U, True, False, True, True, REQ, FORCED, ACTIVATED | METHOD),
    (U, False, True, True, True, VERIFY, CONFIGURED, NOBODY),
    (U, True, True, True, True, VERIFY, CONFIGURED, ACTIVATED),
    (S, False, False, False, True, OPT, SUGGESTED, NOBODY),
    (S, True, False, False, True, REQ, FORCED, ACTIVATED),
    (S, False, True, False, True, VERIFY, CONFIGURED, NOBODY),
    (S, True, True, False, True, VERIFY, CONFIGURED, ACTIVATED),
    (S, False, False, True, True, REQ, FORCED, METHOD),
    (S, True, False, True, True, REQ, FORCED, ACTIVATED | METHOD),
    (S, False, True, True, True, VERIFY, CONFIGURED, NOBODY),
    (S, True, True, True, True, VERIFY, CONFIGURED, ACTIVATED),
]


@pytest.mark.parametrize(
    ("level", "activated", "factor", "disallowed", "pending", "action", "status", "forced_by"), METHODS_AND_DATES
)
def test_methods_and_dates_table(level, activated, factor, disallowed, pending, action, status, forced_by) -> None:
    decision = decide(PolicyInput(level, False, activated, factor, False, disallowed, pending))
    assert (decision.action, decision.status, decision.forced_by) == (action, status, forced_by)


def test_methods_and_dates_table_covers_every_combination_once() -> None:
    combinations = {combo for combo in itertools.product(MfaLevel, *[[False, True]] * 4) if combo[3] or combo[4]}
    rows = [row[:5] for row in METHODS_AND_DATES]
    assert len(rows) == len(set(rows)) == len(combinations)
    assert set(rows) == combinations


@pytest.mark.parametrize("row", TABLE)
@pytest.mark.parametrize(("disallowed", "pending"), [(False, True), (True, False), (True, True)])
def test_sso_users_and_agents_meet_methods_and_dates_as_the_tables_say(row: tuple, disallowed, pending) -> None:
    """Under SSO nothing changes; an agent is forced anyway, with the reasons the other rows give."""
    level, sso, activated, factor, agent, action, status, forced_by = row
    if not (sso or agent):
        return  # METHODS_AND_DATES
    decision = decide(PolicyInput(level, sso, activated, factor, agent, disallowed, pending))
    if not agent:
        assert (decision.action, decision.status, decision.forced_by) == (action, status, forced_by)
        return
    expected = set(forced_by)
    if pending:
        expected.discard(ForcedBy.FIRM_LEVEL)
    if disallowed and not factor:
        expected.add(ForcedBy.METHOD_NOT_ALLOWED)
    assert (decision.action, decision.status, decision.forced_by) == (action, status, frozenset(expected))


@pytest.mark.parametrize(("level", "sso", "activated", "factor", "agent", "action", "status", "forced_by"), TABLE)
def test_decision_table(level, sso, activated, factor, agent, action, status, forced_by) -> None:
    decision = decide(PolicyInput(level, sso, activated, factor, agent))
    assert (decision.action, decision.status, decision.forced_by) == (action, status, forced_by)


@pytest.mark.parametrize("row", TABLE)
def test_every_forced_status_says_why(row: tuple) -> None:
    *_, status, forced_by = row
    if status is FORCED:
        assert forced_by


def test_forced_by_predicates_name_the_firm_level_and_the_activation() -> None:
    by_level = decide(PolicyInput(M, False, False, False))
    by_activation = decide(PolicyInput(U, False, True, False))
    by_both = decide(PolicyInput(M, False, True, False))
    assert (by_level.forced_by_firm_level, by_level.forced_by_activation) == (True, False)
    assert (by_activation.forced_by_firm_level, by_activation.forced_by_activation) == (False, True)
    assert (by_both.forced_by_firm_level, by_both.forced_by_activation) == (True, True)
    assert not decide(PolicyInput(U, True, True, False)).forced_by_activation  # under SSO nothing is forced


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


@pytest.mark.parametrize(
    ("action", "predicate"),
    [
        (NONE, "asks_for_nothing"),
        (VERIFY, "asks_for_code"),
        (OPT, "may_postpone_enrolment"),
        (REQ, "must_enroll"),
        (SSO, "managed_by_sso"),
    ],
)
def test_each_action_has_exactly_one_predicate(action: Action, predicate: str) -> None:
    predicates = ("asks_for_nothing", "asks_for_code", "may_postpone_enrolment", "must_enroll", "managed_by_sso")
    decision = next(decide(PolicyInput(*row[:5])) for row in TABLE if row[5] is action)
    assert [name for name in predicates if getattr(decision, name)] == [predicate]


# action -> the predicates that hold for it; every other predicate is False, but for the
# three that follow forced_by (FOLLOW_FORCED_BY).
HOLDS = {
    NONE: {"asks_for_nothing", "may_activate", "may_reset"},
    VERIFY: {"asks_for_code", "asks_for_existing_factor", "needs_second_factor", "may_reset", "offers_reset"},
    OPT: {"may_postpone_enrolment", "may_enroll", "may_activate", "may_reset"},
    REQ: {"must_enroll", "may_enroll", "needs_second_factor", "blocks_session", "may_reset", "offers_reset"},
    SSO: {"managed_by_sso"},
}
FOLLOW_FORCED_BY = {
    "forced_by_firm_level": ForcedBy.FIRM_LEVEL,
    "forced_by_method": ForcedBy.METHOD_NOT_ALLOWED,
    "asks_for_existing_factor": ForcedBy.METHOD_NOT_ALLOWED,
    "forced_by_activation": ForcedBy.INDIVIDUAL_ACTIVATION,
    "may_deactivate": ForcedBy.INDIVIDUAL_ACTIVATION,
}
PREDICATES = sorted(set().union(*HOLDS.values()) | set(FOLLOW_FORCED_BY))


def test_the_predicate_table_names_every_predicate_of_a_decision() -> None:
    assert set(PREDICATES) == {name for name, value in vars(Decision).items() if isinstance(value, property)}


@pytest.mark.parametrize(("level", "sso", "activated", "factor", "agent", "action", "status", "forced_by"), TABLE)
def test_every_predicate_for_every_row(level, sso, activated, factor, agent, action, status, forced_by) -> None:
    decision = decide(PolicyInput(level, sso, activated, factor, agent))
    expected = HOLDS[action] | {name for name, reason in FOLLOW_FORCED_BY.items() if reason in forced_by}
    assert {name for name in PREDICATES if getattr(decision, name)} == expected


@pytest.mark.parametrize(
    ("level", "activated", "factor", "disallowed", "pending", "action", "status", "forced_by"), METHODS_AND_DATES
)
def test_every_predicate_for_every_row_of_methods_and_dates(
    level, activated, factor, disallowed, pending, action, status, forced_by
) -> None:
    decision = decide(PolicyInput(level, False, activated, factor, False, disallowed, pending))
    expected = HOLDS[action] | {name for name, reason in FOLLOW_FORCED_BY.items() if reason in forced_by}
    assert {name for name in PREDICATES if getattr(decision, name)} == expected


@pytest.mark.parametrize(
    ("status", "slug", "label"),
    [
        (NOT_OFFERED, "not_offered", "Not offered"),
        (SUGGESTED, "suggested", "Suggested"),
        (FORCED, "forced", "Forced"),
        (CONFIGURED, "configured", "Configured"),
        (BY_SSO, "managed_by_sso", "Managed by SSO"),
    ],
)
def test_each_status_has_a_slug_and_the_label_support_sees(status: Status, slug: str, label: str) -> None:
    assert (status.value, status.label) == (slug, label)


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
