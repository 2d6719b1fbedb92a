"""manage.py changepassword in French: its prompts, its refusals and what it says once done."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.management.commands import changepassword
from django.core.management import call_command
from django.core.management.base import CommandError

from firmid.accounts.models import User
from firmid.audit.models import AuditEvent

pytestmark = pytest.mark.usefixtures("demo")

NEW_PASSWORD = "Plenty of words 2026, not guessable"


@pytest.fixture
def prompts(monkeypatch) -> list[str]:
    """The prompts the command shows; each is answered NEW_PASSWORD."""
    shown: list[str] = []

    def answer(self: object, prompt: str = "") -> str:
        shown.append(prompt)
        return NEW_PASSWORD

    monkeypatch.setattr(changepassword.Command, "_get_pass", answer)
    return shown


def test_changepassword_speaks_french_and_changes_the_password(prompts) -> None:
    out = StringIO()
    call_command("changepassword", "alice@demo-accounting.test", "--language", "fr", stdout=out)
    assert len(prompts) == 2 and all(prompt.startswith("Mot de passe") for prompt in prompts)
    assert out.getvalue().startswith("Changement du mot de passe de alice@demo-accounting.test.\n")
    assert "Mot de passe changé pour alice@demo-accounting.test" in out.getvalue()
    assert User.objects.get(email="alice@demo-accounting.test").check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="password_changed").count() == 1


def test_changepassword_in_english_by_default(prompts) -> None:
    out = StringIO()
    call_command("changepassword", "alice@demo-accounting.test", stdout=out)
    assert prompts == ["Password: ", "Password (again): "]
    assert "Password changed for alice@demo-accounting.test: their sessions and every application's tokens" in (
        out.getvalue()
    )


def test_changepassword_of_an_unknown_address_is_refused_in_french(prompts) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("changepassword", "nobody@example.test", "--language", "fr", stdout=StringIO())
    assert str(refused.value) == "Aucun compte n'a l'adresse e-mail 'nobody@example.test'."
    assert prompts == []


def test_changepassword_gives_up_after_three_refused_passwords_in_french(monkeypatch) -> None:
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": "short")
    err = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("changepassword", "alice@demo-accounting.test", "--language", "fr", stdout=StringIO(), stderr=err)
    assert str(refused.value) == "Le mot de passe n'a pas été changé : 3 tentatives ont échoué."
    assert err.getvalue().strip() and not User.objects.get(email="alice@demo-accounting.test").check_password("short")
