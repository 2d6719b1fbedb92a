"""A wrong FIRMID_ENCRYPTION_KEYS is refused at start-up, not found at the first code (issue 12, item 8)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from firmid.accounts.models import Role
from firmid.core.seams.allauth import TOTP, generate_totp_secret
from firmid.mfa.checks import stored_secrets_problem, verify_keys_at_start
from firmid.policy import UserType
from firmid.tenancy.services import firm_create
from firmid.testing.factories import connect_sso

ROOT = Path(__file__).resolve().parents[3]
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


@pytest.fixture
def secret_under_key_a(settings, make_user):
    settings.FIRMID_ENCRYPTION_KEYS = [KEY_A]
    TOTP.activate(make_user(role=Role.PRACTITIONER), generate_totp_secret())


def test_wrong_key_is_refused_at_start_naming_the_setting_not_the_key(secret_under_key_a, settings) -> None:
    settings.FIRMID_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(ImproperlyConfigured) as refused:
        verify_keys_at_start()
    message = str(refused.value)
    assert "FIRMID_ENCRYPTION_KEYS cannot decrypt the TOTP secrets stored in the database" in message
    assert KEY_A not in message and KEY_B not in message


def test_wrong_key_fails_the_database_system_check(secret_under_key_a, settings) -> None:
    settings.FIRMID_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(SystemCheckError, match="firmid.E012"):
        call_command("check", databases=["default"])


def test_wrong_key_fails_readiness_with_the_same_reason(client, secret_under_key_a, settings) -> None:
    settings.FIRMID_ENCRYPTION_KEYS = [KEY_B]
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reasons"]["encryption_keys"] == stored_secrets_problem()


def test_new_key_before_the_old_one_passes_during_rotation(secret_under_key_a, settings) -> None:
    settings.FIRMID_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    verify_keys_at_start()
    assert stored_secrets_problem() is None


@pytest.mark.django_db
def test_database_without_secrets_passes(settings) -> None:
    settings.FIRMID_ENCRYPTION_KEYS = [KEY_B]
    verify_keys_at_start()


@pytest.mark.django_db(transaction=True)
def test_wsgi_application_refuses_to_load_with_a_wrong_key(settings, make_user) -> None:
    """What gunicorn does: import config.wsgi in a fresh process, against this database."""
    settings.FIRMID_ENCRYPTION_KEYS = [KEY_A]
    TOTP.activate(make_user(role=Role.PRACTITIONER), generate_totp_secret())

    def load(keys: str) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
            "FIRMID_ENCRYPTION_KEYS": keys,
        }
        return subprocess.run(
            [sys.executable, "-c", "import config.wsgi"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    refused = load(KEY_B)
    assert refused.returncode != 0
    assert "ImproperlyConfigured: FIRMID_ENCRYPTION_KEYS cannot decrypt" in refused.stderr
    assert KEY_A not in refused.stderr and KEY_B not in refused.stderr
    assert load(f"{KEY_B},{KEY_A}").returncode == 0


def _database_url() -> str:
    """The URL of the test database this process uses, for a child process."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    return f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{config['NAME']}"


def test_a_key_that_cannot_decrypt_the_sso_client_secrets_is_refused_too(settings, db) -> None:
    settings.FIRMID_ENCRYPTION_KEYS = [KEY_A]
    connect_sso(firm_create(name="Northwind Partners"), UserType.PRACTITIONERS, enabled=False)
    assert stored_secrets_problem() is None
    settings.FIRMID_ENCRYPTION_KEYS = [KEY_B]
    assert "cannot decrypt the SSO client secrets" in stored_secrets_problem()
    settings.FIRMID_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert stored_secrets_problem() is None
