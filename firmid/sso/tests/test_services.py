"""Writes on SSO connections: save and its checks, the secret at rest, enable, disable, test, audit.

Each write is one transaction with its audit row: when the audit table refuses the row
(failing_audit, a real trigger), nothing of the write remains.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core import mail
from django.db import connection as database
from joserfc.jwk import KeySet, RSAKey
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from firmid.accounts.models import Role, User
from firmid.accounts.signals import sessions_ended
from firmid.audit.models import AuditEvent
from firmid.audit.services import AuditUnavailable
from firmid.core import crypto
from firmid.core.errors import Conflict, NotAllowed, ServiceError
from firmid.policy import UserType
from firmid.sso import upstream
from firmid.sso.models import SsoConnection
from firmid.sso.services import (
    ConnectionSettings,
    connection_secret,
    sso_connection_disable,
    sso_connection_enable,
    sso_connection_save,
    sso_connection_test,
    sso_secret_replace,
)
from firmid.tenancy.services import client_company_create, firm_create
from firmid.testing.factories import connect_sso
from firmid.testing.loopback_provider import DISCOVERY, JWKS, Provider, discovery_document
from firmid.testing.oidc import code_flow, oauth_error, refresh
from firmid.testing.signin import HOME, LOGIN, sign_in_as

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
ISSUER = "https://login.northwind.test"
SECRET = "s3cr3t-Upstream-Client-Secret"


@pytest.fixture
def northwind(db):
    return firm_create(name="Northwind Partners")


@pytest.fixture
def agent(make_agent):
    return make_agent(2)


def save(firm, user_type: UserType = UserType.PRACTITIONERS, *, actor=None, **values) -> SsoConnection:
    settings = ConnectionSettings(**{"issuer": ISSUER, "client_id": "firmid", **values})
    return sso_connection_save(firm=firm, user_type=user_type, values=settings, actor=actor)


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# Save and its checks.


def test_new_connection_is_saved_disabled_and_audited(northwind, agent) -> None:
    connection = save(northwind, actor=agent, email_domains=[" @Northwind.TEST", "northwind.test", "nw.example.com"])
    assert not connection.enabled and not connection.has_secret
    assert connection.email_domains == ["northwind.test", "nw.example.com"]
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.firm, event.user_type, event.new_value) == (
        "sso_connected",
        agent,
        northwind,
        "practitioners",
        ISSUER,
    )


def test_saving_again_changes_the_connection_and_audits_an_update(northwind) -> None:
    first = save(northwind)
    second = save(northwind, issuer="https://login2.northwind.test", scopes="openid email")
    assert first.pk == second.pk and SsoConnection.objects.count() == 1
    assert (second.issuer, second.scopes) == ("https://login2.northwind.test", "openid email")
    assert actions() == ["sso_connected", "sso_updated"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"issuer": "http://login.northwind.test"}, "https://"),
        ({"issuer": "login.northwind.test"}, "https://"),
        ({"issuer": "javascript:alert(1)"}, "https://"),
        ({"client_id": "  "}, "client ID"),
        ({"scopes": "email profile"}, "openid"),
        ({"email_domains": ["not a domain"]}, "Not an email domain"),
        ({"email_domains": ["northwind"]}, "Not an email domain"),
        ({"email_domains": ["erin@northwind.test"]}, "Not an email domain"),
    ],
    ids=["http-issuer", "no-scheme", "javascript", "no-client-id", "no-openid-scope", "spaces", "no-tld", "address"],
)
def test_connection_refused_when_invalid(northwind, values: dict, message: str) -> None:
    with pytest.raises(ServiceError, match=message):
        save(northwind, **values)
    assert not SsoConnection.objects.exists() and not AuditEvent.objects.exists()


def test_http_issuer_on_loopback_is_accepted_only_where_the_settings_allow(northwind, settings) -> None:
    settings.FIRMID_SSO_ALLOW_HTTP_LOOPBACK = False
    with pytest.raises(ServiceError):
        save(northwind, issuer="http://127.0.0.1:8002")
    settings.FIRMID_SSO_ALLOW_HTTP_LOOPBACK = True
    assert save(northwind, issuer="http://127.0.0.1:8002").issuer == "http://127.0.0.1:8002"


def test_a_domain_is_served_by_one_connection_of_one_firm_only(northwind) -> None:
    southwind = firm_create(name="Southwind Audit")
    save(northwind, email_domains=["northwind.test"])
    with pytest.raises(Conflict, match="Northwind Partners"):
        save(southwind, email_domains=["shared.test", "NORTHWIND.test"])
    with pytest.raises(Conflict):
        save(northwind, UserType.CLIENTS, email_domains=["northwind.test"])
    assert SsoConnection.objects.count() == 1
    domains = ["northwind.test", "more.test"]
    assert save(northwind, email_domains=domains).email_domains == domains


def test_client_company_only_for_a_client_type_of_the_same_firm(northwind) -> None:
    southwind = firm_create(name="Southwind Audit")
    ours = client_company_create(firm=northwind, name="Contoso")
    theirs = client_company_create(firm=southwind, name="Fabrikam")
    with pytest.raises(ServiceError, match="client company"):
        save(northwind, UserType.PRACTITIONERS, client_company=ours)
    with pytest.raises(ServiceError, match="client company"):
        save(northwind, UserType.CLIENTS, client_company=theirs)
    assert save(northwind, UserType.CLIENTS, client_company=ours).client_company == ours
    assert save(northwind, UserType.CLIENT_EMPLOYEES, client_company=ours).client_company == ours


def test_level_1_agent_cannot_change_a_connection(northwind, make_agent) -> None:
    level_1 = make_agent(1)
    with pytest.raises(NotAllowed):
        save(northwind, actor=level_1)
    connection = save(northwind)
    for write in (
        lambda: sso_secret_replace(connection=connection, secret=SECRET, actor=level_1),
        lambda: sso_connection_enable(connection=connection, actor=level_1),
        lambda: sso_connection_disable(connection=connection, actor=level_1),
    ):
        with pytest.raises(NotAllowed):
            write()
    assert actions() == ["sso_connected"]


# The client secret.


def stored_row(connection: SsoConnection) -> str:
    with database.cursor() as cursor:
        cursor.execute("SELECT * FROM sso_ssoconnection WHERE id = %s", [connection.pk])
        return repr(cursor.fetchone())


def test_client_secret_is_encrypted_at_rest_and_never_in_the_audit(northwind, frozen_clock) -> None:
    connection = save(northwind, client_secret=SECRET)
    connection.refresh_from_db()
    assert SECRET not in stored_row(connection)
    assert connection.client_secret_encrypted and crypto.decrypt(connection.client_secret_encrypted) == SECRET
    assert connection_secret(connection) == SECRET
    assert connection.secret_changed_at.timestamp() == pytest.approx(frozen_clock.now)
    assert actions() == ["sso_connected", "sso_secret_replaced"]
    assert SECRET not in repr(list(AuditEvent.objects.values()))


def test_saving_without_a_secret_keeps_the_stored_one(northwind) -> None:
    stored = save(northwind, client_secret=SECRET).client_secret_encrypted
    connection = save(northwind, client_id="firmid-2")
    connection.refresh_from_db()
    assert connection.client_secret_encrypted == stored
    assert actions() == ["sso_connected", "sso_secret_replaced", "sso_updated"]


def test_replacing_the_secret_drops_the_old_one(northwind, frozen_clock) -> None:
    connection = save(northwind, client_secret=SECRET)
    old = SsoConnection.objects.get().client_secret_encrypted
    frozen_clock.advance(60)
    sso_secret_replace(connection=connection, secret="  the-new-secret ", actor=None)
    connection.refresh_from_db()
    assert connection.client_secret_encrypted != old and connection_secret(connection) == "the-new-secret"
    assert connection.secret_changed_at.timestamp() == pytest.approx(frozen_clock.now)
    assert SECRET not in stored_row(connection) and "the-new-secret" not in stored_row(connection)


def test_an_empty_secret_is_refused(northwind) -> None:
    connection = save(northwind, client_secret=SECRET)
    with pytest.raises(ServiceError):
        sso_secret_replace(connection=connection, secret="   ", actor=None)
    assert connection_secret(SsoConnection.objects.get()) == SECRET


# Enable and disable.


def test_enabling_without_a_secret_is_refused(northwind) -> None:
    connection = save(northwind)
    with pytest.raises(Conflict, match="secret"):
        sso_connection_enable(connection=connection, actor=None)
    assert not SsoConnection.objects.get().enabled
    assert actions() == ["sso_connected"]


@pytest.fixture
def ended() -> Iterator[list[User]]:
    """The users whose sessions_ended signal was sent."""
    seen: list[User] = []

    def record(sender, user, **kwargs) -> None:
        seen.append(user)

    sessions_ended.connect(record)
    yield seen
    sessions_ended.disconnect(record)


def test_enabling_ends_the_types_sessions_and_tokens(
    client, northwind, make_user, password, registration, ended
) -> None:
    erin = make_user(role=Role.PRACTITIONER, firm=northwind, email="erin@northwind.test")
    frank = make_user(role=Role.PRACTITIONER, firm=northwind, email="frank@northwind.test")
    carol = make_user(role=Role.CLIENT_ADMINISTRATOR, firm=northwind, email="carol@northwind.test")
    other_firm = make_user(role=Role.PRACTITIONER, email="olga@elsewhere.test")
    _, tokens = code_flow(client, registration, erin, password)
    assert client.get(HOME).status_code == 200
    connection = save(northwind, client_secret=SECRET)

    assert sso_connection_enable(connection=connection, actor=None) == 2
    assert SsoConnection.objects.get().enabled
    generations = dict(User.objects.values_list("email", "session_generation"))
    assert generations == {
        erin.email: erin.session_generation + 1,
        frank.email: frank.session_generation + 1,
        carol.email: carol.session_generation,
        other_firm.email: other_firm.session_generation,
    }
    assert sorted(user.email for user in ended) == [erin.email, frank.email]
    assert client.get(HOME)["Location"].startswith(LOGIN)  # the browser's session ended
    assert not AccessToken.objects.filter(user=erin).exists()
    assert not RefreshToken.objects.filter(user=erin, revoked__isnull=True).exists()
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    event = AuditEvent.objects.get(action="sso_enabled")
    assert (event.firm, event.user_type, event.new_value) == (northwind, "practitioners", ISSUER)
    assert event.detail.startswith("2 ")


def test_enabling_an_enabled_connection_does_nothing(northwind, make_user, ended) -> None:
    make_user(role=Role.PRACTITIONER, firm=northwind)
    connection = connect_sso(northwind, UserType.PRACTITIONERS, issuer=ISSUER)
    ended.clear()
    assert sso_connection_enable(connection=connection, actor=None) == 0
    assert not ended
    assert actions().count("sso_enabled") == 1


def test_disabling_asks_users_without_a_password_to_choose_one(
    northwind, make_user, ended, django_capture_on_commit_callbacks
) -> None:
    erin = make_user(role=Role.PRACTITIONER, firm=northwind, email="erin@northwind.test")
    gina = make_user(role=Role.PRACTITIONER, firm=northwind, email="gina@northwind.test")
    gina.set_unusable_password()
    gina.save()
    carol = make_user(role=Role.CLIENT_ADMINISTRATOR, firm=northwind, email="carol@northwind.test")
    carol.set_unusable_password()
    carol.save()
    connection = connect_sso(northwind, UserType.PRACTITIONERS, issuer=ISSUER)
    ended.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert sso_connection_disable(connection=connection, actor=None) == 2
    assert not SsoConnection.objects.get().enabled
    assert [message.to for message in mail.outbox] == [[gina.email]]
    assert "password" in mail.outbox[0].subject and "/accounts/password/reset/" in mail.outbox[0].body
    assert "Northwind Partners" in mail.outbox[0].body
    assert sorted(user.email for user in ended) == [erin.email, gina.email]
    event = AuditEvent.objects.get(action="sso_disabled")
    assert (event.firm, event.user_type, event.old_value) == (northwind, "practitioners", ISSUER)


def test_disabling_a_disabled_connection_does_nothing(northwind, django_capture_on_commit_callbacks) -> None:
    connection = connect_sso(northwind, UserType.PRACTITIONERS, issuer=ISSUER, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sso_connection_disable(connection=connection, actor=None) == 0
    assert not mail.outbox and "sso_disabled" not in actions()


# Test connection, against a provider on loopback.


@pytest.fixture
def provider(settings) -> Iterator[Provider]:
    settings.FIRMID_SSO_ALLOW_HTTP_LOOPBACK = True
    running = Provider()
    running.routes[DISCOVERY] = discovery_document(running.url)
    running.routes[JWKS] = KeySet([RSAKey.generate_key(2048, parameters={"kid": "k1"})]).as_dict(private=False)
    yield running
    running.stop()


def test_testing_a_connection_says_what_holds(northwind, agent, provider) -> None:
    connection = save(northwind, issuer=provider.url)
    checks = sso_connection_test(connection=connection, actor=agent)
    assert any(provider.url in check for check in checks)
    assert any("1 key" in check for check in checks)
    assert any("No client secret" in check for check in checks)
    event = AuditEvent.objects.get(action="sso_tested")
    assert (event.outcome, event.actor, event.firm) == ("success", agent, northwind)


def test_testing_a_broken_connection_says_what_is_wrong_and_audits_it(northwind, agent, provider) -> None:
    connection = save(northwind, issuer=provider.url, client_secret=SECRET)
    provider.routes[DISCOVERY]["issuer"] = "https://elsewhere.example"
    with pytest.raises(upstream.UpstreamError) as caught:
        sso_connection_test(connection=connection, actor=agent)
    assert caught.value.problem is upstream.Problem.WRONG_ISSUER and "issuer" in caught.value.message
    event = AuditEvent.objects.get(action="sso_tested")
    assert (event.outcome, event.detail) == ("failure", "wrong_issuer")


def test_testing_fetches_afresh_every_time(northwind, provider) -> None:
    connection = save(northwind, issuer=provider.url)
    sso_connection_test(connection=connection, actor=None)
    del provider.routes[JWKS]
    with pytest.raises(upstream.UpstreamError) as caught:
        sso_connection_test(connection=connection, actor=None)
    assert caught.value.problem is upstream.Problem.BAD_JWKS


# All or nothing: the audit table refuses the row.


def test_save_with_a_secret_when_the_secret_audit_fails_saves_nothing(northwind, failing_audit) -> None:
    with failing_audit("sso_secret_replaced"), pytest.raises(AuditUnavailable):
        save(northwind, client_secret=SECRET)
    assert not SsoConnection.objects.exists() and not AuditEvent.objects.exists()


def test_secret_replacement_when_audit_fails_keeps_the_old_secret(northwind, failing_audit) -> None:
    connection = save(northwind, client_secret=SECRET)
    with failing_audit("sso_secret_replaced"), pytest.raises(AuditUnavailable):
        sso_secret_replace(connection=connection, secret="another-secret", actor=None)
    assert connection_secret(SsoConnection.objects.get()) == SECRET


def test_enabling_when_audit_fails_keeps_sessions_and_tokens(
    client, northwind, make_user, password, registration, failing_audit
) -> None:
    erin = make_user(role=Role.PRACTITIONER, firm=northwind, email="erin@northwind.test")
    _, tokens = code_flow(client, registration, erin, password)
    connection = save(northwind, client_secret=SECRET)
    with failing_audit("sso_enabled"), pytest.raises(AuditUnavailable):
        sso_connection_enable(connection=connection, actor=None)
    assert not SsoConnection.objects.get().enabled
    assert User.objects.get(pk=erin.pk).session_generation == erin.session_generation
    assert AccessToken.objects.filter(user=erin).exists()
    assert client.get(HOME).status_code == 200
    assert refresh(registration, tokens["refresh_token"]).status_code == 200


def test_disabling_when_audit_fails_stays_enabled_and_sends_nothing(
    northwind, make_user, failing_audit, django_capture_on_commit_callbacks
) -> None:
    gina = make_user(role=Role.PRACTITIONER, firm=northwind, email="gina@northwind.test")
    gina.set_unusable_password()
    gina.save()
    connection = connect_sso(northwind, UserType.PRACTITIONERS, issuer=ISSUER)
    generation = User.objects.get(pk=gina.pk).session_generation
    with (
        django_capture_on_commit_callbacks(execute=True),
        failing_audit("sso_disabled"),
        pytest.raises(AuditUnavailable),
    ):
        sso_connection_disable(connection=connection, actor=None)
    assert SsoConnection.objects.get().enabled
    assert User.objects.get(pk=gina.pk).session_generation == generation
    assert not mail.outbox


def test_signed_in_helper_is_the_real_session(client, northwind, make_user) -> None:
    # The session checks above rely on the session hash: a session signed in this way also ends.
    erin = make_user(role=Role.PRACTITIONER, firm=northwind)
    sign_in_as(client, erin)
    assert client.get(HOME).status_code == 200
    connect_sso(northwind, UserType.PRACTITIONERS, issuer=ISSUER)
    assert client.get(HOME)["Location"].startswith(LOGIN)
