"""One settings object per app: read at each access, defaulted, and the only reader of FIRMID_* settings."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings

from firmid.core.app_settings import AppSettings, core_settings

ROOT = Path(__file__).resolve().parents[3]
# Read by config/settings/ only, to build DOT's OAUTH2_PROVIDER: no firmid module reads them.
CONFIG_ONLY = {"FIRMID_OIDC_SIGNING_KEY", "FIRMID_OIDC_RETIRED_KEYS"}


@pytest.mark.parametrize(
    ("name", "value"),
    [("ISSUER", "https://id.example.com"), ("TRUSTED_PROXIES", ["10.0.0.0/24"]), ("ENCRYPTION_KEYS", ["a-key"])],
)
def test_a_setting_changed_by_a_test_is_read_at_once(settings, name: str, value: object) -> None:
    setattr(settings, f"FIRMID_{name}", value)
    assert getattr(core_settings, name) == value


@pytest.mark.parametrize(
    ("name", "default"), [("ISSUER", "http://127.0.0.1:8000"), ("TRUSTED_PROXIES", []), ("ENCRYPTION_KEYS", [])]
)
def test_a_missing_setting_has_its_default(settings, name: str, default: object) -> None:
    delattr(settings, f"FIRMID_{name}")
    assert getattr(core_settings, name) == default


def _settings_objects() -> list[AppSettings]:
    objects = []
    for config in apps.get_app_configs():
        module = f"{config.name}.app_settings"
        if config.name.startswith("firmid.") and importlib.util.find_spec(module):
            members = vars(importlib.import_module(module)).values()
            objects += [member for member in members if type(member) in AppSettings.__subclasses__()]
    return objects


def _owned_settings() -> list[str]:
    return [
        f"{obj.prefix}{name}"
        for obj in _settings_objects()
        for name, member in vars(type(obj)).items()
        if isinstance(member, property)
    ]


def test_every_firmid_setting_has_one_owner() -> None:
    owned = _owned_settings()
    defined = {name for name in dir(django_settings) if name.startswith("FIRMID_")}
    assert sorted(set(owned)) == sorted(owned), "a setting is a property of two apps' settings"
    assert defined - CONFIG_ONLY == set(owned)


def _sources(*folders: str) -> list[Path]:
    return [
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if "tests" not in path.parts and "testing" not in path.parts
    ]


@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [
        # Every FIRMID_* read goes through the app's settings object.
        (r"settings\.FIRMID_|getattr\(settings\b", {"firmid/core/app_settings.py"}),
        # Django reads DJANGO_SETTINGS_MODULE before any setting exists: wsgi.py only sets its default.
        (r"os\.environ|os\.getenv", {"config/env.py", "config/wsgi.py"}),
    ],
)
def test_settings_and_environment_have_one_reader(pattern: str, allowed: set[str]) -> None:
    readers = {
        str(path.relative_to(ROOT)) for path in _sources("firmid", "config") if re.search(pattern, path.read_text())
    }
    assert readers <= allowed
