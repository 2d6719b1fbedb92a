"""The settings of password hashing: read at each access (a test's change is seen at once), defaulted."""

from __future__ import annotations

import pytest

from firmid.accounts.app_settings import accounts_settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ARGON2_MEMORY_KIB", 64 * 1024),
        ("ARGON2_TIME_COST", 3),
        ("ARGON2_PARALLELISM", 2),
    ],
)
def test_a_setting_changed_by_a_test_is_read_at_once(settings, name: str, value: object) -> None:
    setattr(settings, f"FIRMID_{name}", value)
    assert getattr(accounts_settings, name) == value


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("ARGON2_MEMORY_KIB", 19 * 1024),
        ("ARGON2_TIME_COST", 2),
        ("ARGON2_PARALLELISM", 1),
    ],
)
def test_a_missing_setting_has_its_default(settings, name: str, default: object) -> None:
    delattr(settings, f"FIRMID_{name}")
    assert getattr(accounts_settings, name) == default
