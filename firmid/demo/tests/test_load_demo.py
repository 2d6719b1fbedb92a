"""load_demo creates accounts with a known password: refused under production settings (issue 12, item 9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from firmid.accounts.models import User

ROOT = Path(__file__).resolve().parents[3]
REFUSAL = "load_demo is for local development: it creates accounts with a known password"


@pytest.mark.django_db
def test_load_demo_under_production_settings_refuses_with_a_clear_message(settings) -> None:
    del settings.FIRMID_DEMO_RP_SECRET  # config/settings/production.py defines no demo
    del settings.FIRMID_DEMO_IDP_SECRET
    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError, match=REFUSAL) as refused:
        call_command("load_demo")
    assert "Refusing under config.settings.production" in str(refused.value)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_load_demo_still_works_where_the_demo_is_configured() -> None:
    call_command("load_demo")
    assert User.objects.filter(email="alice@demo-accounting.test").exists()


def test_load_demo_with_the_real_production_settings_refuses_without_a_traceback(tmp_path) -> None:
    key = tmp_path / "signing.pem"
    key.write_text(
        subprocess.run(
            ["openssl", "genrsa", "2048"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 50,
        "FIRMID_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "FIRMID_ISSUER": "https://id.example.test",
        "FIRMID_OIDC_SIGNING_KEY_FILE": str(key),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'never-created.sqlite3'}",
    }
    env.pop("FIRMID_DEMO_RP_SECRET", None)
    env.pop("FIRMID_DEMO_IDP_SECRET", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "load_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert REFUSAL in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "never-created.sqlite3").exists()
