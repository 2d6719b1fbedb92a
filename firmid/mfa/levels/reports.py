"""Enrolment reports: how far MFA has reached, per firm and user type, and platform-wide.

The database counts (one aggregate query grouped by firm, role, individual activation and
factor presence: at most four groups per firm and role, whatever the number of users);
each group is then put through the decision itself (`decide`), so a report can never
disagree with what sign-in does or with the status on a user's Login tab. No user row
is loaded into Python.

Only active users are counted (a disabled user cannot sign in); support agents belong to
no firm and are never counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from django.db.models import BooleanField, Count, ExpressionWrapper, Q

from firmid.accounts.models import TYPE_OF_ROLE, Role, User
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import SECOND_FACTOR_TYPES
from firmid.policy import MfaLevel, PolicyInput, Status, UserType, decide
from firmid.sso.models import SsoConnection
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
    configured: int = 0  # a second factor is set up (it is asked at every sign-in)
    forced_not_configured: int = 0  # must set one up at the next sign-in (Mandatory or individually activated)
    suggested_not_configured: int = 0  # offered, may postpone
    not_offered: int = 0  # Upon request, nothing set up

    @property
    def managed_by_sso(self) -> bool:
        return self.level is None

    @property
    def level_label(self) -> str:
        """The firm's level for the type, or "Managed by SSO"."""
        return MANAGED_BY_SSO if self.level is None else self.level.label

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
    firm_ids = [pk for pk, _ in firm_list]
    single = len(firm_ids) == 1
    levels = {
        (firm_id, UserType(user_type)): MfaLevel(level)
        for firm_id, user_type, level in _of_firms(FirmMfaLevel.objects, firm_ids, single).values_list(
            "firm_id", "user_type", "level"
        )
    }
    sso = {
        (firm_id, UserType(user_type))
        for firm_id, user_type in _of_firms(SsoConnection.objects.filter(enabled=True), firm_ids, single).values_list(
            "firm_id", "user_type"
        )
    }
    rows = {
        (firm_id, user_type): EnrolmentRow(
            firm_id=firm_id,
            firm_name=name,
            user_type=user_type,
            level=None if (firm_id, user_type) in sso else levels.get((firm_id, user_type), MfaLevel.UPON_REQUEST),
        )
        for firm_id, name in firm_list
        for user_type in UserType
    }
    for group in _groups(users):
        row = rows.get((group["firm_id"], TYPE_OF_ROLE[group["role"]]))
        if row is None:  # a firm created while the report ran
            continue
        row.users += group["n"]
        decision = decide(
            PolicyInput(
                level=row.level or MfaLevel.UPON_REQUEST,
                sso=row.managed_by_sso,
                individually_activated=group["mfa_individually_activated"],
                has_factor=group["has_factor"],
            )
        )
        column = _COLUMN_OF_STATUS.get(decision.status)
        if column:
            setattr(row, column, getattr(row, column) + group["n"])
    return list(rows.values())


def _of_firms(manager, firm_ids: list[int], single: bool):  # noqa: ANN001, ANN202
    # The whole platform reads every row (a few thousand): no list of ids in the SQL.
    return manager.filter(firm_id=firm_ids[0]) if single else manager.all()


def _groups(users: QuerySet[User]) -> Iterable[dict]:
    """Active firm users counted by firm, role, individual activation and factor presence."""
    with_factor = Authenticator.objects.filter(type__in=SECOND_FACTOR_TYPES).values("user_id")
    return (
        users.filter(is_active=True)
        .exclude(role=Role.SUPPORT_AGENT)
        # An uncorrelated IN: PostgreSQL hashes the factor owners once, not one probe per user.
        .annotate(has_factor=ExpressionWrapper(Q(pk__in=with_factor), output_field=BooleanField()))
        .values("firm_id", "role", "mfa_individually_activated", "has_factor")
        .annotate(n=Count("pk"))
        .order_by()
    )
