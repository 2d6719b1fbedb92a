"""The policy-save bench, run small: a sign-in decision's queries do not grow with the firm."""

from __future__ import annotations

import pytest

from bench.policy_save import main


@pytest.mark.django_db
def test_bench_runs_and_decision_queries_do_not_grow_with_the_firm(capsys: pytest.CaptureFixture[str]) -> None:
    sizes = ["--small", "100", "--big", "1000", "--decision-small", "10", "--decision-big", "1000", "--repeat", "3"]
    figures = main(sizes)
    assert set(figures.save_seconds) == {100, 1000}
    assert figures.decision_queries[10] == figures.decision_queries[1000] == 1
    printed = capsys.readouterr().out
    assert "policy save (firm_set_mfa_levels, median of 3)" in printed
    assert "PASS: decision queries equal (1 and 1)" in printed
