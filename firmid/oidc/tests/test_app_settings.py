"""The settings of the provider: read at each access (a test's change is seen at once), defaulted."""

from __future__ import annotations

import pytest

from firmid.oidc.app_settings import oidc_settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REFRESH_ABSOLUTE_SECONDS", 3600),
    ],
)
def test_a_setting_changed_by_a_test_is_read_at_once(settings, name: str, value: object) -> None:
    setattr(settings, f"FIRMID_{name}", value)
    assert getattr(oidc_settings, name) == value


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("REFRESH_ABSOLUTE_SECONDS", 12 * 3600),
    ],
)
def test_a_missing_setting_has_its_default(settings, name: str, default: object) -> None:
    delattr(settings, f"FIRMID_{name}")
    assert getattr(oidc_settings, name) == default
