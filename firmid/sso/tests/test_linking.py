"""Who an upstream account signs in as, with real rows: the link, a first link by email, a user created.

Two firms share an issuer (both use Google Workspace, "https://accounts.google.com"): an
upstream account of one must never become a user of the other, through any issuer, domain,
email or sub. Every refusal leaves the database as it found it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from allauth.account.models import EmailAddress

from firmid.accounts.models import Role, User
from firmid.audit.models import AuditEvent
from firmid.policy import UserType
from firmid.sso.federation import SignInRefused, UpstreamAccount, sso_user_for, upstream_account
from firmid.sso.models import PAPE_MULTI_FACTOR, SsoConnection, SsoIdentity
from firmid.sso.rules import Refusal
from firmid.tenancy.services import client_company_create, firm_create
from firmid.testing.factories import agent_make, connect_sso

GOOGLE = "https://accounts.google.com"


@pytest.fixture
def northwind(db):
    return firm_create(name="Northwind Partners")


@pytest.fixture
def southwind(db):
    return firm_create(name="Southwind Audit")


@pytest.fixture
def practitioners(northwind) -> SsoConnection:
    """Northwind's practitioners sign in through Google Workspace, for northwind.test; no users created."""
    return connect_sso(northwind, UserType.PRACTITIONERS, issuer=GOOGLE, email_domains=["northwind.test"])


@pytest.fixture
def southwind_practitioners(southwind) -> SsoConnection:
    """Southwind's practitioners also use Google Workspace, for southwind.test, creating users."""
    return connect_sso(
        southwind, UserType.PRACTITIONERS, issuer=GOOGLE, email_domains=["southwind.test"], create_users=True
    )


@pytest.fixture
def erin(make_user, northwind) -> User:
    return make_user(role=Role.PRACTITIONER, firm=northwind, email="erin@northwind.test")


def account(
    connection: SsoConnection, sub: str, email: str | None, *, verified: bool = True, **claims
) -> UpstreamAccount:
    """The upstream account an ID token of `connection`'s issuer describes."""
    token = {"sub": sub, "name": "Upstream Person", **claims}
    if email is not None:
        token |= {"email": email, "email_verified": verified}
    return upstream_account(connection=connection, claims=token, userinfo={})


def rows() -> tuple[int, int, int, int]:
    return (
        User.objects.count(),
        SsoIdentity.objects.count(),
        AuditEvent.objects.count(),
        EmailAddress.objects.count(),
    )


@contextmanager
def refused(refusal: Refusal) -> Iterator[None]:
    """The block raises SignInRefused for `refusal` and writes nothing (no user, link, audit row or address)."""
    before = rows()
    with pytest.raises(SignInRefused) as caught:
        yield
    assert caught.value.refusal is refusal
    assert rows() == before


def sign_in(connection: SsoConnection, upstream: UpstreamAccount) -> User:
    return sso_user_for(connection=connection, account=upstream, request=None)


# Linked accounts.


def test_linked_account_signs_in_as_its_user(practitioners, erin, frozen_clock) -> None:
    first = sign_in(practitioners, account(practitioners, "g-erin", "erin@northwind.test"))
    frozen_clock.advance(3600)
    events = AuditEvent.objects.count()
    again = sign_in(practitioners, account(practitioners, "g-erin", "someone.else@northwind.test"))
    assert first == again == erin
    identity = SsoIdentity.objects.get(issuer=GOOGLE, subject="g-erin")
    assert identity.last_used_at.timestamp() == pytest.approx(frozen_clock.now)
    assert AuditEvent.objects.count() == events  # the sign-in itself is audited by the callback


def test_linked_account_whose_email_changed_upstream_stays_its_user(practitioners, erin, make_user, northwind) -> None:
    sign_in(practitioners, account(practitioners, "g-erin", "erin@northwind.test"))
    make_user(role=Role.PRACTITIONER, firm=northwind, email="frank@northwind.test")
    assert sign_in(practitioners, account(practitioners, "g-erin", "frank@northwind.test")) == erin


def test_linked_account_of_a_disabled_user_is_refused(practitioners, erin) -> None:
    sign_in(practitioners, account(practitioners, "g-erin", "erin@northwind.test"))
    User.objects.filter(pk=erin.pk).update(is_active=False)
    with refused(Refusal.INACTIVE):
        sign_in(practitioners, account(practitioners, "g-erin", "erin@northwind.test"))


def test_linked_account_of_a_user_whose_type_changed_is_refused(practitioners, erin, northwind) -> None:
    sign_in(practitioners, account(practitioners, "g-erin", "erin@northwind.test"))
    company = client_company_create(firm=northwind, name="Contoso")
    User.objects.filter(pk=erin.pk).update(role=Role.STANDARD_CLIENT, client_company=company)
    with refused(Refusal.OTHER_FIRM):
        sign_in(practitioners, account(practitioners, "g-erin", "erin@northwind.test"))


# First link by email.


def test_first_sign_in_links_the_user_of_the_verified_email(practitioners, erin) -> None:
    assert sign_in(practitioners, account(practitioners, "g-erin", "Erin@Northwind.TEST ")) == erin
    identity = SsoIdentity.objects.get(user=erin)
    assert (identity.issuer, identity.subject, identity.connection) == (GOOGLE, "g-erin", practitioners)
    event = AuditEvent.objects.get(action="sso_linked")
    assert (event.subject, event.firm, event.new_value) == (erin, practitioners.firm, GOOGLE)


def test_first_sign_in_with_an_unverified_email_is_refused(practitioners, erin) -> None:
    with refused(Refusal.EMAIL_NOT_VERIFIED):
        sign_in(practitioners, account(practitioners, "g-erin", "erin@northwind.test", verified=False))


@pytest.mark.parametrize("verified", ["true", 1, None], ids=repr)
def test_first_sign_in_with_email_verified_not_true_is_refused(practitioners, erin, verified) -> None:
    upstream = upstream_account(
        connection=practitioners,
        claims={"sub": "g-erin", "email": "erin@northwind.test", "email_verified": verified},
        userinfo={},
    )
    with refused(Refusal.EMAIL_NOT_VERIFIED):
        sign_in(practitioners, upstream)


def test_first_sign_in_without_an_email_is_refused(practitioners, erin) -> None:
    with refused(Refusal.NO_EMAIL):
        sign_in(practitioners, account(practitioners, "g-erin", None))


def test_email_missing_from_the_id_token_is_read_from_userinfo(practitioners, erin) -> None:
    upstream = upstream_account(
        connection=practitioners,
        claims={"sub": "g-erin"},
        userinfo={"sub": "g-erin", "email": "erin@northwind.test", "email_verified": True},
    )
    assert sign_in(practitioners, upstream) == erin


def test_email_of_the_id_token_is_not_verified_by_userinfo(practitioners, erin) -> None:
    # The email and its verification come from the same source: never one from each.
    upstream = upstream_account(
        connection=practitioners,
        claims={"sub": "g-erin", "email": "erin@northwind.test"},
        userinfo={"sub": "g-erin", "email": "erin@northwind.test", "email_verified": True},
    )
    with refused(Refusal.EMAIL_NOT_VERIFIED):
        sign_in(practitioners, upstream)


def test_first_sign_in_as_a_disabled_user_is_refused(practitioners, erin) -> None:
    User.objects.filter(pk=erin.pk).update(is_active=False)
    with refused(Refusal.INACTIVE):
        sign_in(practitioners, account(practitioners, "g-erin", "erin@northwind.test"))


def test_user_linked_to_another_sub_of_the_issuer_is_refused(practitioners, erin) -> None:
    sign_in(practitioners, account(practitioners, "g-erin", "erin@northwind.test"))
    with refused(Refusal.ALREADY_LINKED):
        sign_in(practitioners, account(practitioners, "g-impostor", "erin@northwind.test"))
    assert SsoIdentity.objects.get(user=erin).subject == "g-erin"


def test_email_of_a_user_of_another_type_of_the_firm_is_refused(practitioners, make_user, northwind) -> None:
    make_user(role=Role.CLIENT_ADMINISTRATOR, firm=northwind, email="carol@northwind.test")
    with refused(Refusal.EMAIL_OF_OTHER_FIRM):
        sign_in(practitioners, account(practitioners, "g-carol", "carol@northwind.test"))


def test_email_of_a_support_agent_is_refused(northwind) -> None:
    connection = connect_sso(northwind, UserType.PRACTITIONERS, issuer=GOOGLE, email_domains=["firmid.test"])
    agent_make(level=3, email="agent@firmid.test")
    with refused(Refusal.EMAIL_OF_OTHER_FIRM):
        sign_in(connection, account(connection, "g-agent", "agent@firmid.test"))


# Users created at first sign-in.


def test_unknown_user_without_creation_is_refused(practitioners) -> None:
    with refused(Refusal.UNKNOWN_USER):
        sign_in(practitioners, account(practitioners, "g-gina", "gina@northwind.test"))


def test_unknown_user_of_a_served_domain_is_created_in_the_firm_and_type(northwind) -> None:
    connection = connect_sso(
        northwind, UserType.PRACTITIONERS, issuer=GOOGLE, email_domains=["northwind.test"], create_users=True
    )
    user = sign_in(connection, account(connection, "g-gina", "Gina@Northwind.test", name="Gina Park"))
    assert (user.email, user.full_name, user.firm, user.role) == (
        "gina@northwind.test",
        "Gina Park",
        northwind,
        Role.PRACTITIONER,
    )
    assert user.client_company is None and not user.has_usable_password()
    assert EmailAddress.objects.filter(user=user, email="gina@northwind.test", verified=True, primary=True).exists()
    assert SsoIdentity.objects.get(user=user).subject == "g-gina"
    assert AuditEvent.objects.get(action="sso_user_created").subject == user


def test_unknown_user_of_an_unserved_domain_is_refused_even_with_creation(northwind) -> None:
    connection = connect_sso(
        northwind, UserType.PRACTITIONERS, issuer=GOOGLE, email_domains=["northwind.test"], create_users=True
    )
    for email in ("gina@gmail.com", "gina@sub.northwind.test", "gina@northwind.test.evil.example"):
        with refused(Refusal.UNKNOWN_USER):
            sign_in(connection, account(connection, f"g-{email}", email))


@pytest.mark.parametrize(
    ("user_type", "role"), [(UserType.CLIENTS, Role.STANDARD_CLIENT), (UserType.CLIENT_EMPLOYEES, Role.CLIENT_EMPLOYEE)]
)
def test_client_user_is_created_in_the_connections_client_company(northwind, user_type, role) -> None:
    company = client_company_create(firm=northwind, name="Contoso")
    connection = connect_sso(
        northwind, user_type, issuer=GOOGLE, email_domains=["contoso.test"], create_users=True, client_company=company
    )
    user = sign_in(connection, account(connection, "g-dan", "dan@contoso.test"))
    assert (user.firm, user.client_company, user.role) == (northwind, company, role)


def test_client_user_without_a_client_company_on_the_connection_is_refused(northwind) -> None:
    connection = connect_sso(
        northwind, UserType.CLIENTS, issuer=GOOGLE, email_domains=["contoso.test"], create_users=True
    )
    with refused(Refusal.NO_CLIENT_COMPANY):
        sign_in(connection, account(connection, "g-dan", "dan@contoso.test"))


def test_created_user_has_a_name_from_the_address_when_the_upstream_gives_none(northwind) -> None:
    connection = connect_sso(
        northwind, UserType.PRACTITIONERS, issuer=GOOGLE, email_domains=["northwind.test"], create_users=True
    )
    upstream = upstream_account(
        connection=connection,
        claims={"sub": "g-hal", "email": "hal@northwind.test", "email_verified": True},
        userinfo={},
    )
    assert sign_in(connection, upstream).full_name == "hal"


# Across firms: one issuer, two firms.


def test_account_linked_in_one_firm_is_refused_through_another_firms_connection(
    practitioners, southwind_practitioners, erin, make_user, southwind
) -> None:
    sign_in(practitioners, account(practitioners, "g-erin", "erin@northwind.test"))
    make_user(role=Role.PRACTITIONER, firm=southwind, email="erin@southwind.test")
    for email in ("erin@northwind.test", "erin@southwind.test", "new@southwind.test"):
        with refused(Refusal.OTHER_FIRM):
            sign_in(southwind_practitioners, account(southwind_practitioners, "g-erin", email))


def test_email_of_another_firms_user_is_refused_through_a_firms_connection(
    practitioners, southwind_practitioners, erin
) -> None:
    with refused(Refusal.EMAIL_OF_OTHER_FIRM):
        sign_in(southwind_practitioners, account(southwind_practitioners, "g-new", "erin@northwind.test"))


def test_another_firms_user_holding_an_address_of_a_served_domain_is_never_created_over(
    southwind_practitioners, make_user, northwind
) -> None:
    # A Northwind user whose address is in Southwind's domain: Southwind's creation does not take it.
    make_user(role=Role.PRACTITIONER, firm=northwind, email="moved@southwind.test")
    with refused(Refusal.EMAIL_OF_OTHER_FIRM):
        sign_in(southwind_practitioners, account(southwind_practitioners, "g-moved", "moved@southwind.test"))


def test_same_sub_at_two_issuers_is_two_accounts(practitioners, erin, make_user, southwind) -> None:
    southwind_connection = connect_sso(
        southwind, UserType.PRACTITIONERS, issuer="https://southwind.okta.test", email_domains=["southwind.test"]
    )
    paul = make_user(role=Role.PRACTITIONER, firm=southwind, email="paul@southwind.test")
    assert sign_in(practitioners, account(practitioners, "00u1", "erin@northwind.test")) == erin
    assert sign_in(southwind_connection, account(southwind_connection, "00u1", "paul@southwind.test")) == paul


# The upstream account read from the claims.


def test_upstream_account_reads_the_claims() -> None:
    connection = SsoConnection(issuer=GOOGLE, mfa_acr=PAPE_MULTI_FACTOR)
    claims = {
        "sub": "g-erin",
        "email": "  Erin@Northwind.TEST ",
        "email_verified": True,
        "name": "Erin Walsh",
        "amr": ["pwd", "x-push", "otp", "pwd"],
        "acr": "urn:x",
    }
    assert upstream_account(connection=connection, claims=claims, userinfo={}) == UpstreamAccount(
        issuer=GOOGLE,
        subject="g-erin",
        email="erin@northwind.test",
        email_verified=True,
        name="Erin Walsh",
        amr=("pwd", "otp"),
        acr="urn:x",
        did_mfa=True,
    )


@pytest.mark.parametrize(
    ("claims", "userinfo"),
    [
        ({"sub": "s", "email": 7, "name": ["x"], "acr": 3}, {}),
        ({"sub": "s"}, {"email": None}),
        ({"sub": "s", "email": None}, {}),
    ],
)
def test_upstream_account_ignores_claims_of_the_wrong_type(claims: dict, userinfo: dict) -> None:
    connection = SsoConnection(issuer=GOOGLE, mfa_acr=PAPE_MULTI_FACTOR)
    upstream = upstream_account(connection=connection, claims=claims, userinfo=userinfo)
    assert (upstream.email, upstream.email_verified, upstream.name, upstream.acr) == ("", False, "", "")


@pytest.mark.parametrize(
    ("verification", "verified"),
    [
        ({"email_verified": True}, True),
        ({"xms_edov": True}, True),  # Entra ID: the address's domain is verified as the tenant's
        ({"email_verified": "true"}, False),  # a string is not the boolean
        ({"xms_edov": 1}, False),
        ({}, False),
    ],
)
def test_an_address_counts_as_verified_only_when_the_provider_says_so(verification: dict, verified: bool) -> None:
    connection = SsoConnection(issuer=GOOGLE, mfa_acr=PAPE_MULTI_FACTOR)
    claims = {"sub": "s", "email": "erin@northwind.test", **verification}
    assert upstream_account(connection=connection, claims=claims, userinfo={}).email_verified is verified
