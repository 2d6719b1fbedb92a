"""The settings of readiness and /metrics: read at each access (a test's change is seen at once), defaulted."""

from __future__ import annotations

import pytest

from firmid.ops.app_settings import ops_settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_CLOCK_SKEW_SECONDS", 5),
        ("METRICS_ALLOWED_NETWORKS", ["10.0.0.0/8"]),
        ("METRICS_MULTIPROCESS_DIR", "/run/metrics"),
    ],
)
def test_a_setting_changed_by_a_test_is_read_at_once(settings, name: str, value: object) -> None:
    setattr(settings, f"FIRMID_{name}", value)
    assert getattr(ops_settings, name) == value


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("MAX_CLOCK_SKEW_SECONDS", 2),
        ("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"]),
        ("METRICS_MULTIPROCESS_DIR", ""),
    ],
)
def test_a_missing_setting_has_its_default(settings, name: str, default: object) -> None:
    delattr(settings, f"FIRMID_{name}")
    assert getattr(ops_settings, name) == default
