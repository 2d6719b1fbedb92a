"""The settings of the demo: read at each access (a test's change is seen at once), defaulted."""

from __future__ import annotations

import pytest

from firmid.demo.app_settings import demo_settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEMO_RP_SECRET", "another-secret"),
        ("DEMO_IDP_SECRET", "another-idp-secret"),
    ],
)
def test_a_setting_changed_by_a_test_is_read_at_once(settings, name: str, value: object) -> None:
    setattr(settings, f"FIRMID_{name}", value)
    assert getattr(demo_settings, name) == value


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("DEMO_RP_SECRET", ""),
        ("DEMO_IDP_SECRET", ""),
    ],
)
def test_a_missing_setting_has_its_default(settings, name: str, default: object) -> None:
    delattr(settings, f"FIRMID_{name}")
    assert getattr(demo_settings, name) == default
