"""The reports shaped for coverage pages: share covered, grouping by firm, totals, the name filter."""

from __future__ import annotations

import pytest

from firmid.mfa.levels.reports import EnrolmentRow, enrolment_by_firm, enrolment_totals, platform_enrolment_report
from firmid.policy import MfaLevel, UserType
from firmid.testing.coverage import build_acme, build_beta


@pytest.mark.parametrize(
    ("configured", "users", "percent"),
    [
        (0, 0, None),
        (0, 3, 0.0),
        (1, 3, 33.3),
        (2, 3, 66.6),
        (3, 3, 100.0),
        (9999, 10000, 99.9),
    ],
)
def test_share_covered_is_rounded_down_and_none_without_users(configured: int, users: int, percent) -> None:
    row = EnrolmentRow(1, "F", UserType.CLIENTS, MfaLevel.SUGGESTED, users=users, configured=configured)
    assert row.covered_percent == percent


def test_type_under_sso_has_no_share() -> None:
    assert EnrolmentRow(1, "F", UserType.CLIENTS, None, users=5).covered_percent is None


def test_totals_and_grouping_by_firm(make_user) -> None:
    acme, beta = build_acme(make_user), build_beta(make_user)
    rows = platform_enrolment_report()
    firms = enrolment_by_firm(rows)
    assert [(f.firm_id, f.firm_name, [r.user_type for r in f.rows]) for f in firms] == [
        (acme.pk, "Acme Partners", list(UserType)),
        (beta.pk, "Beta Audit", list(UserType)),
    ]
    totals = {t.user_type: t for t in enrolment_totals(rows)}
    practitioners, employees = totals[UserType.PRACTITIONERS], totals[UserType.CLIENT_EMPLOYEES]
    assert (practitioners.users, practitioners.configured, practitioners.covered_percent) == (6, 2, 33.3)
    assert (employees.users, employees.sso_managed, employees.covered_percent) == (2, 2, None)
    for total in totals.values():
        counted = total.configured + total.forced_not_configured + total.suggested_not_configured + total.not_offered
        assert counted + total.sso_managed == total.users


def test_name_filter_keeps_matching_firms_and_their_users_only(make_user) -> None:
    build_acme(make_user)
    beta = build_beta(make_user)
    rows = platform_enrolment_report(query=" bet ")
    assert {r.firm_id for r in rows} == {beta.pk}
    assert sum(r.users for r in rows) == 2
    assert platform_enrolment_report(query="nothing like it") == []
