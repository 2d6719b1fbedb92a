"""The SSO words people read (the Test connection results, the refusals, the CLI) in French and English."""

from __future__ import annotations

import re
import socket
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from firmid.core.errors import ServiceError
from firmid.policy import UserType
from firmid.sso import upstream
from firmid.sso.selectors import ConnectionStatus
from firmid.sso.services import ConnectionSettings, clean_domains, sso_connection_test
from firmid.tenancy.models import Firm
from firmid.testing.factories import connect_sso

SECRET = "cli-s3cr3t-never-printed"


def run(*args: str) -> str:
    out = StringIO()
    call_command("sso_connections", *args, stdout=out)
    return out.getvalue()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def refusal(language: str, call) -> str:
    with translation.override(language), pytest.raises((upstream.UpstreamError, ServiceError)) as refused:
        call()
    return refused.value.message


def test_an_insecure_address_is_refused_in_the_readers_language() -> None:
    def check() -> None:
        upstream.check_url("http://idp.example.test/", what="issuer")

    assert refusal("en", check) == "The issuer (http://idp.example.test/) must be an https:// address."
    assert refusal("fr", check) == "L'émetteur (http://idp.example.test/) doit être une adresse https://."


def test_a_bad_domain_is_refused_in_the_readers_language() -> None:
    assert refusal("fr", lambda: clean_domains(["not a domain"])) == "Ce n'est pas un domaine e-mail : not a domain."
    assert refusal("en", lambda: clean_domains(["not a domain"])) == "Not an email domain: not a domain."


def test_the_connection_status_is_named_in_the_readers_language() -> None:
    with translation.override("fr"):
        assert [str(s.label) for s in ConnectionStatus] == ["Activée", "Désactivée", "Non configurée"]
    assert [s.value for s in ConnectionStatus] == ["enabled", "disabled", "not_configured"]


@pytest.mark.django_db
def test_test_connection_says_what_holds_in_french(demo, upstream_idp) -> None:
    firm = Firm.objects.get(name="Demo Accounting")
    connection = connect_sso(firm, UserType.PRACTITIONERS, issuer=upstream_idp.issuer, enabled=False)
    with translation.override("fr"):
        checks = sso_connection_test(connection=connection, actor=None)
    assert checks[0] == f"Le document de découverte répond et indique {upstream_idp.issuer} comme émetteur."
    assert checks[1] == "Le fournisseur propose le flux « authorization code » avec PKCE S256."
    assert checks[2].startswith("Son jeu de clés publie ")


@pytest.mark.django_db
def test_an_unreachable_provider_is_told_in_french(demo) -> None:
    firm = Firm.objects.get(name="Demo Accounting")
    issuer = f"http://127.0.0.1:{closed_port()}"
    connection = connect_sso(firm, UserType.PRACTITIONERS, issuer=issuer, enabled=False)
    message = refusal("fr", lambda: sso_connection_test(connection=connection, actor=None))
    assert message == f"Le document de découverte ({issuer}/.well-known/openid-configuration) est injoignable."
    assert not isinstance(upstream.WHAT["issuer"], str)  # lazy: translated when the message is written
    assert ConnectionSettings(issuer=issuer, client_id="c").issuer == issuer


@pytest.mark.django_db
def test_the_cli_lists_and_tests_in_french(demo, upstream_idp) -> None:
    firm = Firm.objects.get(name="Demo Accounting")
    connect_sso(firm, UserType.PRACTITIONERS, issuer=upstream_idp.issuer, secret=SECRET, enabled=False)
    out = run("list", "--firm", "Demo Accounting", "--language", "fr")
    assert "  practitioners      Désactivée\n" in out and "  clients            Non configurée\n" in out
    assert re.search(rf"\n    émetteur: +{re.escape(upstream_idp.issuer)}\n", out)
    assert re.search(r"\n    secret client: +enregistré le \d+ \w+ \d{4} \d\d:\d\d UTC\n", out) and SECRET not in out
    columns = {
        line.index(":") + len(line[line.index(":") + 1 :]) - len(line[line.index(":") + 1 :].lstrip())
        for line in out.splitlines()
        if line.startswith("    ")
    }
    assert len(columns) == 1  # the values line up
    assert "URI de redirection à enregistrer chez chaque fournisseur : http" in out
    assert run("--language", "fr", "list", "--firm", "Demo Accounting") == out  # before the sub-command too
    assert "issuer:" in run("list", "--firm", "Demo Accounting")  # English by default
    tested = run("test", "--firm", "Demo Accounting", "--type", "practitioners", "--language", "fr")
    assert tested.startswith("Test de la connexion réussi : Demo Accounting, ")
    assert "  Le document de découverte répond" in tested


@pytest.mark.django_db
def test_the_cli_refuses_in_french(demo) -> None:
    with pytest.raises(CommandError) as refused:
        run("test", "--firm", "Demo Accounting", "--type", "practitioners", "--language", "fr")
    assert str(refused.value).startswith("Demo Accounting n'a pas de connexion SSO pour le type « ")
    with pytest.raises(CommandError) as refused:
        run("list", "--firm", "Nowhere", "--language", "fr")
    assert str(refused.value) == "Aucun cabinet comptable ne s'appelle 'Nowhere'."
