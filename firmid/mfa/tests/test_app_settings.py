"""The MFA settings (the attempt guard): read at each access, so a test's change is seen at once."""

from __future__ import annotations

import pytest

from firmid.mfa.app_settings import mfa_settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MFA_MAX_FAILURES", 3),
        ("MFA_LOCK_SECONDS", 120),
        ("MFA_LOCK_MAX_SECONDS", 600),
    ],
)
def test_a_setting_changed_by_a_test_is_read_at_once(settings, name: str, value: object) -> None:
    setattr(settings, f"FIRMID_{name}", value)
    assert getattr(mfa_settings, name) == value


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("MFA_MAX_FAILURES", 5),
        ("MFA_LOCK_SECONDS", 60),
        ("MFA_LOCK_MAX_SECONDS", 3600),
    ],
)
def test_a_missing_setting_has_its_default(settings, name: str, default: object) -> None:
    delattr(settings, f"FIRMID_{name}")
    assert getattr(mfa_settings, name) == default
