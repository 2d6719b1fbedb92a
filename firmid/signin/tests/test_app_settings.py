"""The settings of session lifetimes: read at each access (a test's change is seen at once), defaulted."""

from __future__ import annotations

import pytest

from firmid.signin.app_settings import signin_settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SESSION_REFRESH_SECONDS", 30),
        ("SESSION_ABSOLUTE_SECONDS", 3600),
    ],
)
def test_a_setting_changed_by_a_test_is_read_at_once(settings, name: str, value: object) -> None:
    setattr(settings, f"FIRMID_{name}", value)
    assert getattr(signin_settings, name) == value


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("SESSION_REFRESH_SECONDS", 60),
        ("SESSION_ABSOLUTE_SECONDS", 12 * 3600),
    ],
)
def test_a_missing_setting_has_its_default(settings, name: str, default: object) -> None:
    delattr(settings, f"FIRMID_{name}")
    assert getattr(signin_settings, name) == default
