"""The impact-preview bench, run small: it loads its firm, times both paths and prints its targets."""

from __future__ import annotations

import pytest

from bench.impact_preview import main
from firmid.mfa.levels.uncovered import UncoveredQuery, firm_uncovered
from firmid.tenancy.models import Firm


@pytest.mark.django_db
def test_bench_runs_and_prints_both_targets(capsys: pytest.CaptureFixture[str]) -> None:
    figures = main(["--users", "300", "--repeat", "1"])
    assert figures.preview_queries == 3
    firm = Firm.objects.get(name__startswith="Impact bench")
    assert firm.users.count() == 300
    assert figures.export_rows == firm_uncovered(firm=firm, query=UncoveredQuery()).users().count() > 0
    printed = capsys.readouterr().out
    assert "impact preview (level_change_impact, median of 1): 3 SQL queries" in printed
    assert "Practitioners: 30 users" in printed
    assert f"users without MFA, CSV export (median of 1): {figures.export_rows:,} users listed" in printed
    assert "(target < 0.5 s)" in printed and "(target < 2.0 s)" in printed
    assert "RESULT: " in printed
