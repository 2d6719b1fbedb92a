"""The token-endpoint bench, run small: it exchanges codes and refreshes for each kind of client."""

from __future__ import annotations

import pytest

from bench.token_endpoint import OPERATIONS, main


@pytest.mark.django_db
def test_bench_runs_for_each_client_and_operation(capsys: pytest.CaptureFixture[str]) -> None:
    figures = main(["--n", "3", "--warmup", "1"])
    labels = {label for label, _ in figures.stats}
    assert any(label.startswith("public") for label in labels)
    assert any("argon2" in label for label in labels)
    assert {operation for _, operation in figures.stats} == set(OPERATIONS)
    assert all(stats.ops_per_second > 0 for stats in figures.stats.values())
    printed = capsys.readouterr().out
    assert "token endpoint in one worker process" in printed
    assert "a public client (PKCE," in printed
