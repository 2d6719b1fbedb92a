"""load_demo prints for people in --language: English by default, French on request."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_load_demo_says_it_is_ready_in_the_language_asked_for() -> None:
    assert run("--language", "fr").startswith("Données de démonstration prêtes (")
    assert run() == "Demo data ready (0 accounts created).\n"  # idempotent: nothing new the second time
    assert run("--language", "fr") == "Données de démonstration prêtes (0 compte créé).\n"


@pytest.mark.django_db
def test_load_demo_refuses_in_french_too(settings) -> None:
    del settings.FIRMID_DEMO_RP_SECRET
    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError) as refused:
        run("--language", "fr")
    assert str(refused.value).startswith("load_demo est réservé au développement local")
    assert "Refusé avec config.settings.production" in str(refused.value)
