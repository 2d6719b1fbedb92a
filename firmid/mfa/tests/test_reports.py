"""Enrolment reports: each status counted right, SSO types shown as such, agents left out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from firmid.accounts.models import Role, User
from firmid.core import clock
from firmid.mfa.levels.reports import EnrolmentRow, firm_enrolment_report, platform_enrolment_report
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import user_mfa_decision
from firmid.policy import MfaLevel, Status, UserType
from firmid.sso.models import SsoConnection
from firmid.tenancy.services import firm_create
from firmid.testing.factories import activate, give_factor, set_level

COLUMNS = {
    Status.CONFIGURED: "configured",
    Status.FORCED: "forced_not_configured",
    Status.SUGGESTED: "suggested_not_configured",
    Status.NOT_OFFERED: "not_offered",
}


def by_type(rows: list[EnrolmentRow]) -> dict[UserType, EnrolmentRow]:
    return {row.user_type: row for row in rows}


@pytest.fixture
def acme(make_user, make_agent):
    """Practitioners Mandatory, clients Suggested, employees Upon request; every status present."""
    firm = firm_create(name="Acme")
    set_level(firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    set_level(firm, UserType.CLIENTS, MfaLevel.SUGGESTED)
    practitioners = [make_user(role=Role.PRACTITIONER, firm=firm) for _ in range(4)]
    give_factor(practitioners[0])
    give_factor(practitioners[1])
    clients = [
        make_user(role=Role.CLIENT_ADMINISTRATOR, firm=firm),
        make_user(role=Role.STANDARD_CLIENT, firm=firm),
        make_user(role=Role.STANDARD_CLIENT, firm=firm),
    ]
    give_factor(clients[0])
    activate(clients[1])
    employees = [make_user(role=Role.CLIENT_EMPLOYEE, firm=firm) for _ in range(5)]
    give_factor(employees[0])
    activate(employees[1])
    # Recovery codes alone are not a factor; a disabled user is not counted.
    give_factor(employees[2], Authenticator.Type.RECOVERY_CODES)
    disabled = make_user(role=Role.CLIENT_EMPLOYEE, firm=firm)
    give_factor(disabled)
    User.objects.filter(pk=disabled.pk).update(is_active=False)
    make_agent(2)  # no firm: never in a report
    give_factor(User.objects.get(role=Role.SUPPORT_AGENT))
    return firm


def test_firm_report_counts_each_status(acme) -> None:
    rows = by_type(firm_enrolment_report(firm=acme))
    assert list(rows) == list(UserType)
    practitioners, clients, employees = (
        rows[UserType.PRACTITIONERS],
        rows[UserType.CLIENTS],
        rows[UserType.CLIENT_EMPLOYEES],
    )
    assert (practitioners.level, practitioners.level_label) == (MfaLevel.MANDATORY, "Mandatory")
    assert (practitioners.users, practitioners.configured, practitioners.forced_not_configured) == (4, 2, 2)
    assert practitioners.suggested_not_configured == practitioners.not_offered == 0
    assert clients.level is MfaLevel.SUGGESTED
    assert (clients.users, clients.configured, clients.forced_not_configured, clients.suggested_not_configured) == (
        3,
        1,
        1,
        1,
    )
    assert clients.not_offered == 0
    assert employees.level is MfaLevel.UPON_REQUEST
    assert (employees.users, employees.configured, employees.forced_not_configured, employees.not_offered) == (
        5,
        1,
        1,
        3,
    )
    assert employees.suggested_not_configured == 0


def test_firm_report_agrees_with_every_users_status(acme) -> None:
    expected: dict[UserType, dict[str, int]] = {t: dict.fromkeys(COLUMNS.values(), 0) for t in UserType}
    for user in User.objects.filter(firm=acme, is_active=True):
        expected[user.user_type][COLUMNS[user_mfa_decision(user=user).status]] += 1
    for row in firm_enrolment_report(firm=acme):
        assert {column: getattr(row, column) for column in COLUMNS.values()} == expected[row.user_type]
        assert row.users == sum(expected[row.user_type].values())


def test_sso_type_is_shown_as_managed_by_sso(make_user) -> None:
    firm = firm_create(name="Northwind")
    SsoConnection.objects.create(
        firm=firm,
        user_type=UserType.PRACTITIONERS.value,
        issuer="https://idp.northwind.test",
        client_id="firmid",
        enabled=True,
    )
    set_level(firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)  # ignored: the SSO is in charge
    give_factor(make_user(role=Role.PRACTITIONER, firm=firm))
    make_user(role=Role.PRACTITIONER, firm=firm)
    make_user(role=Role.CLIENT_EMPLOYEE, firm=firm)
    rows = by_type(firm_enrolment_report(firm=firm))
    practitioners = rows[UserType.PRACTITIONERS]
    assert practitioners.managed_by_sso and practitioners.level_label == "Managed by SSO"
    assert practitioners.users == 2
    assert sum(getattr(practitioners, column) for column in COLUMNS.values()) == 0
    employees = rows[UserType.CLIENT_EMPLOYEES]
    assert not employees.managed_by_sso and (employees.users, employees.not_offered) == (1, 1)


@pytest.mark.django_db
def test_firm_without_users_has_three_empty_rows() -> None:
    rows = firm_enrolment_report(firm=firm_create(name="Empty"))
    assert [(r.user_type, r.level, r.users) for r in rows] == [(t, MfaLevel.UPON_REQUEST, 0) for t in UserType]


def test_platform_report_has_every_firm_and_type_and_no_agent(acme, make_user) -> None:
    other = firm_create(name="Beta")
    give_factor(make_user(role=Role.PRACTITIONER, firm=other))
    rows = platform_enrolment_report()
    assert [(r.firm_name, r.user_type) for r in rows] == [(f, t) for f in ("Acme", "Beta") for t in UserType]
    assert {(r.user_type, r.users, r.configured) for r in rows if r.firm_id == other.pk} == {
        (UserType.PRACTITIONERS, 1, 1),
        (UserType.CLIENTS, 0, 0),
        (UserType.CLIENT_EMPLOYEES, 0, 0),
    }
    acme_rows = [(r.user_type, r.users, r.configured, r.not_offered) for r in rows if r.firm_id == acme.pk]
    assert acme_rows == [(r.user_type, r.users, r.configured, r.not_offered) for r in firm_enrolment_report(firm=acme)]
    assert sum(r.users for r in rows) == User.objects.filter(firm__isnull=False, is_active=True).count()


def test_report_queries_do_not_depend_on_the_number_of_users(acme, make_user) -> None:
    with CaptureQueriesContext(connection) as before:
        firm_enrolment_report(firm=acme)
        platform_enrolment_report()
    for _ in range(5):
        give_factor(make_user(role=Role.PRACTITIONER, firm=acme))
    with CaptureQueriesContext(connection) as after:
        firm_enrolment_report(firm=acme)
        platform_enrolment_report()
    assert len(before) == len(after) <= 8


# --- the decision's newer inputs: allowed kinds, rollout dates -------------------------


@pytest.fixture
def options_firm(make_user):
    """Practitioners Mandatory with passkeys only; clients Mandatory from a later date; every factor mix."""
    firm = firm_create(name="Options")
    FirmMfaLevel.objects.create(
        firm=firm, user_type=UserType.PRACTITIONERS.value, level=MfaLevel.MANDATORY.value, allowed_methods="webauthn"
    )
    FirmMfaLevel.objects.create(
        firm=firm,
        user_type=UserType.CLIENTS.value,
        level=MfaLevel.MANDATORY.value,
        mandatory_from=clock.now() + timedelta(days=7),
    )
    for role in (Role.PRACTITIONER, Role.STANDARD_CLIENT, Role.CLIENT_EMPLOYEE):
        for kinds in ((), ("totp",), ("webauthn",), ("totp", "webauthn")):
            user = make_user(role=role, firm=firm)
            for kind in kinds:
                give_factor(user, kind)
    return firm


def test_only_an_allowed_kind_counts_and_a_disallowed_one_alone_is_forced(options_firm) -> None:
    practitioners = by_type(firm_enrolment_report(firm=options_firm))[UserType.PRACTITIONERS]
    # A passkey (alone or beside an app) is configured; an app alone, or nothing, is forced.
    assert (practitioners.users, practitioners.configured, practitioners.forced_not_configured) == (4, 2, 2)


def test_mandatory_from_a_later_date_counts_as_offered_until_the_day(options_firm, frozen_clock) -> None:
    clients = by_type(firm_enrolment_report(firm=options_firm))[UserType.CLIENTS]
    assert (clients.configured, clients.suggested_not_configured, clients.forced_not_configured) == (3, 1, 0)
    frozen_clock.advance(7 * 86_400 + 1)
    clients = by_type(firm_enrolment_report(firm=options_firm))[UserType.CLIENTS]
    assert (clients.configured, clients.suggested_not_configured, clients.forced_not_configured) == (3, 0, 1)


def test_reports_with_options_agree_with_every_users_status(options_firm, frozen_clock) -> None:
    for _ in range(2):  # before the rollout day, then after it
        expected: dict[UserType, dict[str, int]] = {t: dict.fromkeys(COLUMNS.values(), 0) for t in UserType}
        for user in User.objects.filter(firm=options_firm, is_active=True):
            expected[user.user_type][COLUMNS[user_mfa_decision(user=user).status]] += 1
        for rows in (firm_enrolment_report(firm=options_firm), platform_enrolment_report()):
            for row in rows:
                assert {column: getattr(row, column) for column in COLUMNS.values()} == expected[row.user_type]
        frozen_clock.advance(8 * 86_400)


def test_report_is_still_four_queries_with_options(options_firm) -> None:
    with CaptureQueriesContext(connection) as queries:
        firm_enrolment_report(firm=options_firm)
    assert len(queries) == 4
