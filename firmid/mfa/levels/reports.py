"""Enrolment reports: how far MFA has reached, per firm and user type, and platform-wide.

The database counts (one aggregate query grouped by firm, role, individual activation and
the factor kinds set up: at most eight groups per firm and role, whatever the number of
users); each group is then put through the decision itself (`decide`, with the type's
allowed kinds and rollout date: firmid.mfa.levels.groups), so a report can never disagree
with what sign-in does or with the status on a user's Login tab. No user row is loaded
into Python.

Only active users are counted (a disabled user cannot sign in); support agents belong to
no firm and are never counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from typing import TYPE_CHECKING

from firmid.accounts.models import User
from firmid.core import clock
from firmid.mfa.levels.groups import TypeRules, counted_groups, firms_rules, kinds_of, user_type_of
from firmid.policy import MfaLevel, Status, UserType
from firmid.tenancy.labels import label
from firmid.tenancy.models import Firm
from firmid.tenancy.selectors import firm_search

if TYPE_CHECKING:
    from django.db.models import QuerySet

MANAGED_BY_SSO = Status.MANAGED_BY_SSO.label

# Which count of a row each status of the decision adds to.
_COLUMN_OF_STATUS = {
    Status.CONFIGURED: "configured",
    Status.FORCED: "forced_not_configured",
    Status.SUGGESTED: "suggested_not_configured",
    Status.NOT_OFFERED: "not_offered",
}


@dataclass
class EnrolmentRow:
    """One firm's users of one type: how many, and where each of them stands."""

    firm_id: int
    firm_name: str
    user_type: UserType
    level: MfaLevel | None  # None when the firm's SSO manages the type
    users: int = 0
    configured: int = 0  # a factor of an allowed kind is set up (it is asked at every sign-in)
    # Must set one up at the next sign-in: Mandatory, individually activated, or only a disallowed kind.
    forced_not_configured: int = 0
    suggested_not_configured: int = 0  # offered, may postpone (Suggested, or Mandatory from a later date)
    not_offered: int = 0  # Upon request, nothing set up

    @property
    def managed_by_sso(self) -> bool:
        return self.level is None

    @property
    def level_label(self) -> str:
        """The firm's level for the type, or "Managed by SSO", in the active language."""
        return label(Status.MANAGED_BY_SSO if self.level is None else self.level)

    @property
    def covered_percent(self) -> float | None:
        """Configured / users in %; None without users or under SSO (the identity provider decides)."""
        return None if self.managed_by_sso else _percent_down(self.configured, self.users)


@dataclass(frozen=True)
class FirmEnrolment:
    """One firm's rows of a platform report."""

    firm_id: int
    firm_name: str
    rows: list[EnrolmentRow]


@dataclass
class EnrolmentTotal:
    """One user type summed over firms; users of a type that a firm's SSO manages are counted apart."""

    user_type: UserType
    users: int = 0
    sso_managed: int = 0
    configured: int = 0
    forced_not_configured: int = 0
    suggested_not_configured: int = 0
    not_offered: int = 0

    @property
    def covered_percent(self) -> float | None:
        """Configured / the users whose MFA firmid manages, in %; None if there are none."""
        return _percent_down(self.configured, self.users - self.sso_managed)


def firm_enrolment_report(*, firm: Firm) -> list[EnrolmentRow]:
    """One row per user type of `firm` (all three, with zeros where the firm has none)."""
    return _report(Firm.objects.filter(pk=firm.pk), User.objects.filter(firm=firm))


def platform_enrolment_report(*, query: str = "") -> list[EnrolmentRow]:
    """One row per firm and user type, firms by name; only the firms whose name contains `query`, if given."""
    if not query.strip():
        return _report(Firm.objects.all(), User.objects.filter(firm__isnull=False))
    firms = firm_search(query=query)
    return _report(firms, User.objects.filter(firm__in=firms))


def enrolment_by_firm(rows: Iterable[EnrolmentRow]) -> list[FirmEnrolment]:
    """Group a report's rows by firm, in the report's order."""
    grouped = [list(group) for _, group in groupby(rows, key=attrgetter("firm_id"))]
    return [FirmEnrolment(group[0].firm_id, group[0].firm_name, group) for group in grouped]


def enrolment_totals(rows: Iterable[EnrolmentRow]) -> list[EnrolmentTotal]:
    """Sum a report's rows per user type."""
    totals = {user_type: EnrolmentTotal(user_type) for user_type in UserType}
    for row in rows:
        total = totals[row.user_type]
        total.users += row.users
        total.sso_managed += row.users if row.managed_by_sso else 0
        for column in _COLUMN_OF_STATUS.values():
            setattr(total, column, getattr(total, column) + getattr(row, column))
    return list(totals.values())


def _percent_down(part: int, whole: int) -> float | None:
    # Rounded down to 0.1 %: 99.96 % must not read as 100 % while someone is still uncovered.
    return None if whole == 0 else part * 1000 // whole / 10


def _report(firms: QuerySet[Firm], users: QuerySet[User]) -> list[EnrolmentRow]:
    firm_list = list(firms.order_by("name", "pk").values_list("pk", "name"))
    # The whole platform reads every firm's settings (a few thousand rows): no list of ids in the SQL.
    rules = firms_rules(firm_ids=[firm_list[0][0]] if len(firm_list) == 1 else None)
    rows = {
        (firm_id, user_type): EnrolmentRow(
            firm_id=firm_id,
            firm_name=name,
            user_type=user_type,
            level=_level_of(rules.get((firm_id, user_type), TypeRules())),
        )
        for firm_id, name in firm_list
        for user_type in UserType
    }
    now = clock.now()
    for group in counted_groups(users):
        key = (group["firm_id"], user_type_of(group["role"]))
        row = rows.get(key)
        if row is None:  # a firm created while the report ran
            continue
        row.users += group["n"]
        decision = rules.get(key, TypeRules()).decision(
            activated=group["mfa_individually_activated"], kinds=kinds_of(group), now=now
        )
        column = _COLUMN_OF_STATUS.get(decision.status)
        if column:
            setattr(row, column, getattr(row, column) + group["n"])
    return list(rows.values())


def _level_of(rules: TypeRules) -> MfaLevel | None:
    return None if rules.sso else rules.options.level


def _groups(users: QuerySet[User]) -> Iterable[dict]:
    """The report's one counting query (bench/scale.py --explain prints its plan)."""
    return counted_groups(users)
