"""Who is not covered: the listed users are exactly those whose own decision has the statuses asked for."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from allauth.mfa.models import Authenticator

from firmid.accounts.models import Role, User
from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.core import clock
from firmid.core.errors import ServiceError
from firmid.mfa.levels.uncovered import (
    WITHOUT_MFA,
    UncoveredQuery,
    firm_level_history,
    firm_uncovered,
    parse_uncovered_query,
    uncovered_export_record,
)
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import user_mfa_decision
from firmid.policy import MfaLevel, Status, UserType
from firmid.tenancy.models import Firm
from firmid.tenancy.services import firm_create
from firmid.testing.factories import activate, connect_sso, give_factor, set_level

TOTP, WEBAUTHN = Authenticator.Type.TOTP.value, Authenticator.Type.WEBAUTHN.value
ROLE_OF_TYPE = {
    UserType.PRACTITIONERS: Role.PRACTITIONER,
    UserType.CLIENTS: Role.CLIENT_ADMINISTRATOR,
    UserType.CLIENT_EMPLOYEES: Role.CLIENT_EMPLOYEE,
}


@pytest.fixture
def firm(make_user, make_agent) -> Firm:
    """Practitioners passkeys only and Mandatory; clients Mandatory from a later date; employees under SSO."""
    firm = firm_create(name="Uncovered")
    FirmMfaLevel.objects.create(
        firm=firm, user_type=UserType.PRACTITIONERS.value, level=MfaLevel.MANDATORY.value, allowed_methods=WEBAUTHN
    )
    FirmMfaLevel.objects.create(
        firm=firm,
        user_type=UserType.CLIENTS.value,
        level=MfaLevel.MANDATORY.value,
        mandatory_from=clock.now() + timedelta(days=10),
    )
    for user_type, kinds, activated in product(UserType, ((), (TOTP,), (WEBAUTHN,)), (False, True)):
        user = make_user(role=ROLE_OF_TYPE[user_type], firm=firm)
        for kind in kinds:
            give_factor(user, kind)
        if activated:
            activate(user)
    User.objects.filter(pk=make_user(role=Role.PRACTITIONER, firm=firm).pk).update(is_active=False)
    make_agent(2)
    connect_sso(firm, UserType.CLIENT_EMPLOYEES)
    return firm


def expected(firm: Firm, query: UncoveredQuery) -> list[tuple[str, Status]]:
    """The oracle: each active user's own decision."""
    listed = []
    for user in User.objects.filter(firm=firm, is_active=True).order_by("pk"):
        status = user_mfa_decision(user=user).status
        if status in query.statuses and (query.user_type is None or user.user_type is query.user_type):
            listed.append((user.email, status))
    return listed


QUERIES = [UncoveredQuery(t, s) for t in (None, *UserType) for s in (None, *WITHOUT_MFA, Status.MANAGED_BY_SSO)]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.user_type and q.user_type.value}-{q.status}")
def test_listed_users_are_those_whose_decision_has_the_status(firm: Firm, query: UncoveredQuery) -> None:
    rows = list(firm_uncovered(firm=firm, query=query).rows(batch=2))  # keyset pages of 2
    assert [(row.email, row.status) for row in rows] == expected(firm, query)


def test_without_mfa_leaves_out_configured_sso_disabled_and_agents(firm: Firm) -> None:
    rows = list(firm_uncovered(firm=firm, query=UncoveredQuery()).rows())
    statuses = {(row.user_type, row.status) for row in rows}
    assert statuses == {
        (UserType.PRACTITIONERS, Status.FORCED),  # nothing, or an authenticator app only
        (UserType.CLIENTS, Status.SUGGESTED),  # Mandatory from a date not reached
        (UserType.CLIENTS, Status.FORCED),  # individually activated
    }
    assert len(rows) == 4 + 2
    assert all(row.user_type is not UserType.CLIENT_EMPLOYEES for row in rows)


def test_each_row_says_why(firm: Firm) -> None:
    rows = {
        (row.user_type, row.individually_activated, row.disallowed_kinds): row
        for row in firm_uncovered(firm=firm, query=UncoveredQuery()).rows()
    }
    app_only = rows[(UserType.PRACTITIONERS, False, ("Authenticator app",))]
    assert app_only.level == "Mandatory"
    assert app_only.reasons == (
        "Level Mandatory: set-up is demanded at the next sign-in",
        "Their only factor is of a kind the firm no longer allows: they must add an allowed one",
    )
    offered = rows[(UserType.CLIENTS, False, ())]
    assert offered.level.startswith("Mandatory from ") and offered.level.endswith(" UTC")
    assert offered.reasons == (f"Level {offered.level}: until then set-up is offered with Activate later",)
    activated = rows[(UserType.CLIENTS, True, ())]
    assert activated.reasons[1] == "MFA was activated for them by support"


def test_sso_users_are_listed_apart_with_their_provider(firm: Firm) -> None:
    query = UncoveredQuery(status=Status.MANAGED_BY_SSO)
    rows = list(firm_uncovered(firm=firm, query=query).rows())
    assert len(rows) == 6 and {row.user_type for row in rows} == {UserType.CLIENT_EMPLOYEES}
    assert rows[0].level == "Managed by SSO"
    assert "https://idp.example.test" in rows[0].reasons[0]
    assert "firmid cannot see whether it asks for a second factor" in rows[0].reasons[0]


def test_rollout_date_moves_users_from_suggested_to_forced(firm: Firm, frozen_clock) -> None:
    forced = UncoveredQuery(UserType.CLIENTS, Status.FORCED)
    assert len(list(firm_uncovered(firm=firm, query=forced).rows())) == 1
    frozen_clock.advance(10 * 86_400 + 1)
    assert len(list(firm_uncovered(firm=firm, query=forced).rows())) == 2


@pytest.mark.django_db
def test_a_firm_where_everyone_has_mfa_lists_no_one(make_user) -> None:
    firm = firm_create(name="Covered")
    set_level(firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    give_factor(make_user(role=Role.PRACTITIONER, firm=firm))
    listed = firm_uncovered(firm=firm, query=UncoveredQuery(status=Status.NOT_OFFERED))
    assert listed.users().count() == 0 and list(listed.rows()) == []


@pytest.mark.parametrize(
    ("user_type", "status", "message"),
    [
        ("admins", "", "Unknown user type 'admins'"),
        ("", "configured", "Unknown status 'configured'"),
        ("", "FORCED", "Unknown status 'FORCED'"),
    ],
)
def test_unknown_filters_are_refused(user_type: str, status: str, message: str) -> None:
    with pytest.raises(ServiceError, match=message):
        parse_uncovered_query(user_type=user_type, status=status)


def test_filters_are_parsed_and_given_back() -> None:
    query = parse_uncovered_query(user_type="clients", status="forced")
    assert query == UncoveredQuery(UserType.CLIENTS, Status.FORCED)
    assert query.as_params() == {"user_type": "clients", "status": "forced"}
    assert parse_uncovered_query(user_type="", status=None) == UncoveredQuery()
    assert UncoveredQuery().as_params() == {}


def test_level_history_and_the_export_audit_row(firm: Firm, make_agent) -> None:
    agent = make_agent(1, email="reader@firmid.test")
    set_level(firm, UserType.CLIENTS, MfaLevel.SUGGESTED, actor=make_agent(2, email="l2@firmid.test"))
    history = list(firm_level_history(firm=firm))
    assert [(e.action, e.actor_email, e.user_type, e.new_value) for e in history][-1][:3] == (
        AuditAction.MFA_LEVEL_CHANGED,
        "l2@firmid.test",
        UserType.CLIENTS.value,
    )
    uncovered_export_record(actor=agent, firm=firm, query=UncoveredQuery(status=Status.FORCED), request=None)
    row = AuditEvent.objects.get(action=AuditAction.MFA_UNCOVERED_EXPORTED)
    assert (row.firm_id, row.actor_email, row.detail) == (firm.pk, "reader@firmid.test", "CSV export (status=forced)")
