"""The MFA commands print for people in --language (English by default); show_mfa_levels shows dates and options."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from firmid.core import clock
from firmid.core.cli import day_for_people
from firmid.policy import MfaLevel, Status, UserType
from firmid.tenancy.labels import label

pytestmark = pytest.mark.usefixtures("demo")

L2 = "support.l2@firmid.test"


def run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def set_level(*args: str) -> str:
    base = ["--firm", "Demo Accounting", "--user-type", "practitioners", "--actor", L2]
    return run("set_mfa_level", *base, *args)


def test_show_mfa_levels_shows_the_rollout_date_and_each_types_options() -> None:
    day = (clock.now() + timedelta(days=20)).date()
    set_level("--level", "mandatory", "--from", day.isoformat(), "--methods", "webauthn")
    out = run("show_mfa_levels", "--firm", "Demo Accounting")
    with translation.override("en"):
        assert f"  practitioners      Mandatory from {day_for_people(day)}\n" in out
    assert "  clients            Upon request\n" in out
    options = out.split("Factor options:\n", 1)[1]
    assert options.startswith("  practitioners      Allowed methods: passkeys and security keys\n")
    assert "                     Passkey sign-in without a password: no\n" in options
    assert "                     Trust this browser: never offered\n" in options
    assert "                     Code sent by email before a first set-up: no\n" in options
    assert "  clients            Allowed methods: authenticator app, passkeys and security keys\n" in options


def test_show_mfa_levels_names_the_identity_provider_of_a_type_under_sso() -> None:
    out = run("show_mfa_levels", "--firm", "Northwind Partners")
    assert "  practitioners      Managed by SSO\n" in out
    assert "  practitioners      Identity provider: http" in out.split("Factor options:", 1)[1]


def test_show_mfa_levels_in_french() -> None:
    day = (clock.now() + timedelta(days=20)).date()
    set_level("--level", "mandatory", "--from", day.isoformat())
    out = run("show_mfa_levels", "--firm", "Demo Accounting", "--language", "fr")
    with translation.override("fr"):
        mandatory_from = f"{label(MfaLevel.MANDATORY)} à partir du {day_for_people(day)}"
        upon_request = label(MfaLevel.UPON_REQUEST)
    assert f"  practitioners      {mandatory_from}\n" in out and f"  clients            {upon_request}\n" in out
    assert "Options des facteurs :" in out and "Méthodes autorisées :" in out
    assert "Allowed methods" not in out and "Factor options" not in out and " from " not in out
    northwind = run("show_mfa_levels", "--firm", "Northwind Partners", "--language", "fr")
    with translation.override("fr"):
        managed_by_sso = label(Status.MANAGED_BY_SSO)
    assert f"  practitioners      {managed_by_sso}\n" in northwind
    assert "Fournisseur d'identité :" in northwind


def test_set_mfa_level_says_what_changed_in_french_and_the_slugs_stay() -> None:
    out = set_level("--level", "suggested", "--language", "fr")
    with translation.override("fr"):
        change = f"{label(UserType.PRACTITIONERS)} : {label(MfaLevel.UPON_REQUEST)} → {label(MfaLevel.SUGGESTED)}"
    assert f"Demo Accounting : {change}" in out
    again = set_level("--level", "suggested", "--language", "fr")
    assert "rien n'a changé" in again and "nothing changed" not in again


def test_refusals_are_in_the_language_asked_for() -> None:
    with pytest.raises(CommandError) as english:
        run("show_mfa_levels", "--firm", "Nowhere")
    with pytest.raises(CommandError) as french:
        run("show_mfa_levels", "--firm", "Nowhere", "--language", "fr")
    assert str(english.value) == "No accounting firm is named 'Nowhere'."
    assert str(french.value) == "Aucun cabinet comptable ne s'appelle 'Nowhere'."
    with pytest.raises(CommandError) as french:
        set_level("--level", "suggested", "--actor", "nobody@example.test", "--language", "fr")
    assert str(french.value) == "Aucun compte n'a l'adresse e-mail 'nobody@example.test'."


def test_english_is_the_default_whatever_language_is_active() -> None:
    with translation.override("fr"):
        out = run("show_mfa_levels", "--firm", "Demo Accounting")
    assert "Factor options:" in out and "Options des facteurs" not in out


def test_only_english_and_french_are_offered() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'de'"):
        run("show_mfa_levels", "--firm", "Demo Accounting", "--language", "de")


def test_rotate_mfa_keys_and_reminders_count_in_french() -> None:
    out = run("rotate_mfa_keys", "--language", "fr")
    assert "0 secret TOTP rechiffré avec la clé la plus récente." in out and "secret client SSO rechiffré" in out
    assert "0 TOTP secrets re-encrypted under the newest key." in run("rotate_mfa_keys")
    reminders = run("send_mfa_reminders", "--language", "fr")
    assert reminders.startswith("Rappels MFA") and "rollout" not in reminders
    assert "0 envoyé 7 jours avant, 0 envoyé 1 jour avant" in reminders
    assert run("send_mfa_reminders").startswith("MFA reminders: 0 sent 7 days before, 0 sent 1 day before, for 0")
