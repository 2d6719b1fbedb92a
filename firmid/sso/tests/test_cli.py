"""manage.py sso_connections: list firms' connections without secrets, test one in plain words."""

from __future__ import annotations

import socket
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from firmid.audit.models import AuditEvent
from firmid.policy import UserType
from firmid.sso.models import SsoConnection
from firmid.tenancy.models import Firm
from firmid.testing.factories import connect_sso

pytestmark = pytest.mark.usefixtures("demo")

SECRET = "cli-s3cr3t-never-printed"


def run(*args: str) -> str:
    out = StringIO()
    call_command("sso_connections", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        run(*args)
    return caught.value


@pytest.fixture
def demo_firm() -> Firm:
    return Firm.objects.get(name="Demo Accounting")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_list_shows_every_firm_with_a_connection_and_never_a_secret(demo_firm) -> None:
    connect_sso(demo_firm, UserType.CLIENTS, issuer="https://idp.demo.test", secret=SECRET, enabled=False)
    out = run("list")
    assert out.index("Demo Accounting") < out.index("Northwind Partners")
    assert "  clients            Disabled\n" in out and "  practitioners      Enabled\n" in out
    assert "    issuer:                https://idp.demo.test\n" in out
    assert "    client secret:         set on " in out and "    email domains:         northwind.test\n" in out
    assert "Redirect URI to register at each provider: http://127.0.0.1:8000/signin/sso/callback/" in out
    stored = SsoConnection.objects.get(firm=demo_firm)
    assert SECRET not in out and stored.client_secret_encrypted not in out


def test_list_of_one_firm_shows_its_types_not_configured(demo_firm) -> None:
    out = run("list", "--firm", str(Firm.objects.get(name="Northwind Partners").pk))
    assert out.startswith("Northwind Partners (id ")
    assert "  clients            Not configured\n  client_employees   Not configured\n" in out
    assert "Demo Accounting" not in run("list", "--firm", "Northwind Partners")
    assert "Northwind" not in run("list", "--firm", "Demo Accounting").split("Redirect URI")[0]


def test_unknown_firm_is_refused() -> None:
    assert refused("list", "--firm", "Nowhere").args[0] == "No accounting firm is named 'Nowhere'."
    assert refused("test", "--firm", "999999", "--type", "practitioners").args[0] == "No accounting firm has this id."


def test_test_of_a_type_without_a_connection_is_refused() -> None:
    error = refused("test", "--firm", "Demo Accounting", "--type", "practitioners")
    assert error.args[0] == "Demo Accounting has no SSO connection for Practitioners."
    assert error.returncode == 1


def test_test_passes_against_a_real_provider(demo_firm, upstream_idp) -> None:
    connect_sso(demo_firm, UserType.PRACTITIONERS, issuer=upstream_idp.issuer, secret=SECRET, enabled=False)
    out = run("test", "--firm", "Demo Accounting", "--type", "practitioners")
    assert out.startswith("Test connection passed: Demo Accounting, Practitioners.\n")
    assert f"  The discovery document answers, and names {upstream_idp.issuer} as its issuer.\n" in out
    assert "  The provider offers the authorization code flow with PKCE S256.\n" in out
    assert SECRET not in out
    assert AuditEvent.objects.filter(firm=demo_firm, action="sso_tested", outcome="success").exists()


@pytest.mark.parametrize(
    ("fault", "problem", "words"),
    [
        ("discovery_wrong_issuer", "wrong_issuer", "The provider says its issuer is"),
        ("discovery_no_s256", "no_pkce_s256", "The provider does not announce PKCE with S256, which firmid requires."),
    ],
)
def test_test_of_a_misconfigured_provider_says_what_is_wrong_and_exits_1(
    demo_firm, tampering_issuer, fault, problem, words
) -> None:
    connect_sso(demo_firm, UserType.PRACTITIONERS, issuer=tampering_issuer.issuer, enabled=False)
    tampering_issuer.fault = fault
    error = refused("test", "--firm", "Demo Accounting", "--user-type", "practitioners")
    assert error.returncode == 1
    assert error.args[0].startswith(f"Test connection failed ({problem}): ") and words in error.args[0]
    assert AuditEvent.objects.filter(firm=demo_firm, action="sso_tested", outcome="failure").exists()


def test_test_of_an_unreachable_provider_says_so(demo_firm) -> None:
    port = closed_port()
    connect_sso(demo_firm, UserType.PRACTITIONERS, issuer=f"http://127.0.0.1:{port}", enabled=False)
    error = refused("test", "--firm", "Demo Accounting", "--type", "practitioners")
    assert error.args[0] == (
        f"Test connection failed (unreachable): The discovery document "
        f"(http://127.0.0.1:{port}/.well-known/openid-configuration) cannot be reached."
    )
