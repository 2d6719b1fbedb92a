"""Accounting firm → SSO: connections read by every agent, added, tested, enabled and disabled by level 2/3."""

from __future__ import annotations

import socket

import pytest
from django.test import Client

from firmid.accounts.models import Role, User
from firmid.audit.models import AuditEvent
from firmid.core import crypto
from firmid.policy import UserType
from firmid.sso.models import SsoConnection
from firmid.tenancy.models import Firm
from firmid.tenancy.services import firm_create
from firmid.testing.administration import messages_of
from firmid.testing.factories import connect_sso, give_factor
from firmid.testing.signin import sign_in_as
from firmid.testing.state import mfa_state

SECRET = "s3cr3t-never-shown-9f2c"
NEW_SECRET = "r3placed-secret-77ab"
CALLBACK = "http://127.0.0.1:8000/signin/sso/callback/"


def sso_url(firm: Firm, action: str = "", user_type: UserType = UserType.PRACTITIONERS) -> str:
    """The SSO tab, or a user type's action on it: edit, test, enable, disable."""
    base = f"/administration/firms/{firm.pk}/sso/"
    return f"{base}{user_type.value}/{action}/" if action else base


def posted(issuer: str = "https://idp.acme.test", secret: str = SECRET, **extra: str) -> dict[str, str]:
    return {
        "issuer": issuer,
        "client_id": "firmid-acme",
        "client_secret": secret,
        "scopes": "openid email profile",
        "email_domains": "acme.test\nacme-partners.test",
        "mfa_acr": "",
        **extra,
    }


def stored(firm: Firm, user_type: UserType = UserType.PRACTITIONERS) -> SsoConnection | None:
    return SsoConnection.objects.filter(firm=firm, user_type=user_type.value).first()


@pytest.fixture
def acme(db) -> Firm:
    return firm_create(name="Acme Partners")


def main_of(page: str) -> str:
    """The page's own content, without the header's sign-out form."""
    return page.partition('<main id="main" tabindex="-1">')[2]


def all_pages(client: Client, firm: Firm) -> str:
    """Every page an agent may open about the firm's connections, and the audit trail."""
    urls = [sso_url(firm), sso_url(firm, "edit"), sso_url(firm, "enable"), f"/administration/firms/{firm.pk}/audit/"]
    return "".join(client.get(url).content.decode() for url in urls)


# --- reading ---------------------------------------------------------------------------


def test_tab_lists_each_user_type_with_its_status_and_the_redirect_uri(
    client: Client, signed_in_agent, northwind
) -> None:
    signed_in_agent(1)
    page = client.get(sso_url(northwind)).content.decode()
    assert f'<a href="{sso_url(northwind)}" class="current" aria-current="page">SSO</a>' in page
    assert f'<code id="sso-redirect-uri">{CALLBACK}</code>' in page
    assert page.count('<section class="card"') == 3
    assert (
        '<h2>Practitioners <span class="status status--sso-enabled"><span class="symbol" aria-hidden="true">✓</span>'
        "Enabled</span></h2>"
    ) in page
    assert (
        '<h2>Administrator clients and standard clients <span class="status status--sso-not_configured">'
        '<span class="symbol" aria-hidden="true">–</span>Not configured</span></h2>'
    ) in page
    assert "<code>http://127.0.0.1:8002</code>" in page and "<code>firmid-northwind</code>" in page
    assert "Secret set on <time" in page and "northwind.test" in page


def test_level_1_agent_sees_no_button_and_no_form(client: Client, signed_in_agent, northwind) -> None:
    signed_in_agent(1)
    page = main_of(client.get(sso_url(northwind)).content.decode())
    assert "<form" not in page and "Test connection" not in page and "Add a connection" not in page
    assert "level 2 and 3 support agents can add, change, test, enable and disable them" in page


def test_level_1_agent_is_refused_every_change(client: Client, signed_in_agent, northwind) -> None:
    signed_in_agent(1)
    before = mfa_state()
    for action in ("edit", "test", "enable", "disable"):
        assert client.post(sso_url(northwind, action), posted()).status_code == 403
    for action in ("edit", "enable", "disable"):
        assert client.get(sso_url(northwind, action)).status_code == 403
    assert mfa_state() == before and stored(northwind).enabled


def test_other_firm_tabs_link_to_the_sso_tab(client: Client, signed_in_agent, northwind) -> None:
    signed_in_agent(1)
    for tab in ("security", "audit", "mfa-coverage"):
        page = client.get(f"/administration/firms/{northwind.pk}/{tab}/").content.decode()
        assert f'<a href="{sso_url(northwind)}">SSO</a>' in page


def test_security_tab_points_a_type_under_sso_to_the_sso_tab(client: Client, signed_in_agent, northwind) -> None:
    signed_in_agent(2)
    page = client.get(f"/administration/firms/{northwind.pk}/security/").content.decode()
    assert (
        "Practitioners sign in through the identity provider of Northwind Partners: MFA is managed there. "
        f'See the <a href="{sso_url(northwind)}">SSO tab</a>.'
    ) in page


def test_unknown_user_type_or_missing_connection_is_not_found(client: Client, signed_in_agent, acme) -> None:
    signed_in_agent(2)
    assert client.get(f"/administration/firms/{acme.pk}/sso/nobody/edit/").status_code == 404
    assert client.get(sso_url(acme, "enable")).status_code == 404
    assert client.post(sso_url(acme, "test")).status_code == 404
    assert client.get("/administration/firms/999999/sso/").status_code == 404


# --- adding and editing -----------------------------------------------------------------


def test_level_2_adds_a_connection_disabled_with_its_secret_encrypted(client: Client, signed_in_agent, acme) -> None:
    signed_in_agent(2)
    form = client.get(sso_url(acme, "edit")).content.decode()
    assert '<input type="password" name="client_secret"' in form and f'<code id="sso-redirect-uri">{CALLBACK}' in form
    response = client.post(sso_url(acme, "edit"), posted())
    assert response.status_code == 302 and response.url == sso_url(acme)
    assert "It stays disabled until you enable it." in messages_of(response)[0]
    connection = stored(acme)
    assert not connection.enabled and connection.email_domains == ["acme.test", "acme-partners.test"]
    assert (
        SECRET not in connection.client_secret_encrypted
        and crypto.decrypt(connection.client_secret_encrypted) == SECRET
    )
    assert SECRET not in all_pages(client, acme)
    assert AuditEvent.objects.filter(firm=acme, action="sso_connected").exists()


def test_client_type_form_offers_the_firm_client_companies_only(
    client: Client, signed_in_agent, acme, northwind
) -> None:
    signed_in_agent(2)
    assert 'name="client_company"' not in client.get(sso_url(acme, "edit")).content.decode()
    page = client.get(sso_url(northwind, "edit", UserType.CLIENTS)).content.decode()
    assert 'name="client_company"' in page and "Northwind Client" in page


def test_blank_secret_keeps_the_stored_one(client: Client, signed_in_agent, acme) -> None:
    connection = connect_sso(acme, UserType.PRACTITIONERS, issuer="https://idp.acme.test", secret=SECRET, enabled=False)
    signed_in_agent(2)
    form = client.get(sso_url(acme, "edit")).content.decode()
    assert 'value="https://idp.acme.test"' in form and "A secret is set (since" in form and SECRET not in form
    response = client.post(sso_url(acme, "edit"), posted(secret="", scopes="openid email"))
    assert response.status_code == 302
    after = stored(acme)
    assert after.scopes == "openid email"
    assert after.client_secret_encrypted == connection.client_secret_encrypted
    assert after.secret_changed_at == connection.secret_changed_at


def test_typed_secret_replaces_the_stored_one(client: Client, signed_in_agent, acme) -> None:
    connect_sso(acme, UserType.PRACTITIONERS, issuer="https://idp.acme.test", secret=SECRET, enabled=False)
    signed_in_agent(2)
    assert client.post(sso_url(acme, "edit"), posted(secret=NEW_SECRET)).status_code == 302
    assert crypto.decrypt(stored(acme).client_secret_encrypted) == NEW_SECRET
    assert AuditEvent.objects.filter(firm=acme, action="sso_secret_replaced").count() == 2
    pages = all_pages(client, acme)
    assert SECRET not in pages and NEW_SECRET not in pages


def test_domain_served_by_another_firm_is_a_form_error(client: Client, signed_in_agent, acme, northwind) -> None:
    signed_in_agent(2)
    before = mfa_state()
    response = client.post(sso_url(acme, "edit"), posted(email_domains="northwind.test"))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert">northwind.test is already served by another SSO connection (Northwind Partners).' in page
    assert SECRET not in page
    assert stored(acme) is None and mfa_state() == before


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("http://idp.acme.test", "The issuer (http://idp.acme.test) must be an https:// address."),
        ("ftp://idp.acme.test", "The issuer (ftp://idp.acme.test) must be an https:// address."),
    ],
)
def test_issuer_that_is_not_https_is_refused(client: Client, signed_in_agent, acme, issuer, message) -> None:
    signed_in_agent(2)
    response = client.post(sso_url(acme, "edit"), posted(issuer=issuer))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored(acme) is None


def test_missing_fields_are_form_errors(client: Client, signed_in_agent, acme) -> None:
    signed_in_agent(2)
    response = client.post(sso_url(acme, "edit"), {"issuer": "", "client_id": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert stored(acme) is None


def test_post_without_csrf_token_is_refused(signed_in_agent, acme, make_agent) -> None:
    agent = make_agent(3, email="csrf.l3@firmid.test")
    give_factor(agent)
    client = sign_in_as(Client(enforce_csrf_checks=True), agent)
    assert client.post(sso_url(acme, "edit"), posted()).status_code == 403
    assert stored(acme) is None


# --- enabling and disabling -----------------------------------------------------------


def test_enable_asks_confirm_with_the_users_counts_then_ends_their_sessions(
    client: Client, signed_in_agent, make_user, acme
) -> None:
    connect_sso(acme, UserType.PRACTITIONERS, issuer="https://idp.acme.test", enabled=False)
    user, other = make_user(role=Role.PRACTITIONER, firm=acme), make_user(role=Role.PRACTITIONER, firm=acme)
    give_factor(other)
    client_user = make_user(role=Role.STANDARD_CLIENT, firm=acme)
    hashes = {u.pk: u.get_session_auth_hash() for u in (user, other, client_user)}
    signed_in_agent(2)
    page = client.get(sso_url(acme, "enable")).content.decode()
    assert "2 users of this type; 1 of them has MFA set up in firmid (kept, unused while SSO is on)." in page
    assert "Their password sessions and tokens end now" in page
    assert stored(acme).enabled is False  # the Confirm page changes nothing
    response = client.post(sso_url(acme, "enable"))
    assert response.status_code == 302 and response.url == sso_url(acme)
    assert messages_of(response) == ["SSO enabled for Practitioners: password sessions and tokens ended for 2 users."]
    assert stored(acme).enabled
    after = {u.pk: User.objects.get(pk=u.pk).get_session_auth_hash() for u in (user, other, client_user)}
    assert after[user.pk] != hashes[user.pk] and after[other.pk] != hashes[other.pk]
    assert after[client_user.pk] == hashes[client_user.pk]
    assert AuditEvent.objects.filter(firm=acme, action="sso_enabled").exists()


def test_signed_in_user_is_signed_out_when_their_type_goes_under_sso(
    client: Client, signed_in_agent, make_user, acme
) -> None:
    connect_sso(acme, UserType.PRACTITIONERS, issuer="https://idp.acme.test", enabled=False)
    user_client = sign_in_as(Client(), make_user(role=Role.PRACTITIONER, firm=acme))
    assert user_client.get("/my-account/").status_code == 200
    signed_in_agent(2)
    client.post(sso_url(acme, "enable"))
    assert user_client.get("/my-account/").status_code == 302


def test_enabling_without_a_secret_is_refused_on_the_confirm_page(client: Client, signed_in_agent, acme) -> None:
    connect_sso(acme, UserType.PRACTITIONERS, issuer="https://idp.acme.test", secret="", enabled=False)
    signed_in_agent(2)
    response = client.post(sso_url(acme, "enable"))
    assert response.status_code == 400
    assert 'role="alert">Set the client secret before enabling the connection.' in response.content.decode()
    assert not stored(acme).enabled


def test_disable_asks_confirm_then_gives_the_type_back_to_passwords(
    client: Client, signed_in_agent, make_user, northwind
) -> None:
    erin = User.objects.get(email="erin@northwind.test")
    before = erin.get_session_auth_hash()
    signed_in_agent(3)
    page = client.get(sso_url(northwind, "disable")).content.decode()
    assert "sign in with their firmid password again" in page and "emailed a link to set one" in page
    assert stored(northwind).enabled
    response = client.post(sso_url(northwind, "disable"))
    assert response.status_code == 302
    assert messages_of(response) == ["SSO disabled for Practitioners: firmid passwords apply again, for 1 user."]
    assert not stored(northwind).enabled
    assert User.objects.get(pk=erin.pk).get_session_auth_hash() != before
    assert (
        '<h2>Practitioners <span class="status status--sso-disabled"><span class="symbol" aria-hidden="true">○</span>'
        "Disabled</span></h2>" in client.get(sso_url(northwind)).content.decode()
    )
    assert AuditEvent.objects.filter(firm=northwind, action="sso_disabled").exists()


# --- Test connection against a real provider --------------------------------------------


def test_test_connection_passes_against_a_real_provider(client: Client, signed_in_agent, acme, upstream_idp) -> None:
    connect_sso(acme, UserType.PRACTITIONERS, issuer=upstream_idp.issuer, enabled=False)
    signed_in_agent(2)
    response = client.post(sso_url(acme, "test"))
    assert response.status_code == 302 and response.url == sso_url(acme)
    shown = messages_of(response)
    assert shown[0] == "Test connection passed for Practitioners."
    assert f"The discovery document answers, and names {upstream_idp.issuer} as its issuer." in shown
    assert "The provider offers the authorization code flow with PKCE S256." in shown
    assert AuditEvent.objects.filter(firm=acme, action="sso_tested", outcome="success").exists()


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("discovery_wrong_issuer", "The provider says its issuer is"),
        ("discovery_no_s256", "does not announce PKCE with S256"),
        ("discovery_no_jwks", "publishes no key set"),
    ],
)
def test_test_connection_says_what_is_wrong_in_plain_words(
    client: Client, signed_in_agent, acme, tampering_issuer, fault, words
) -> None:
    connect_sso(acme, UserType.PRACTITIONERS, issuer=tampering_issuer.issuer, enabled=False)
    tampering_issuer.fault = fault
    signed_in_agent(2)
    response = client.post(sso_url(acme, "test"))
    assert response.status_code == 302
    [shown] = messages_of(response)
    assert shown.startswith("Test connection failed: ") and words in shown
    assert AuditEvent.objects.filter(firm=acme, action="sso_tested", outcome="failure").exists()


def test_test_connection_of_an_unreachable_provider_says_so(client: Client, signed_in_agent, acme) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    connect_sso(acme, UserType.PRACTITIONERS, issuer=f"http://127.0.0.1:{port}", enabled=False)
    signed_in_agent(2)
    response = client.post(sso_url(acme, "test"), follow=True)
    page = response.content.decode()
    assert (
        f'<li class="error">Test connection failed: The discovery document '
        f"(http://127.0.0.1:{port}/.well-known/openid-configuration) cannot be reached.</li>"
    ) in page
