"""Impact preview: what saving a firm's proposed MFA settings would do at each user's next sign-in.

One aggregate query counts the firm's active users by role, individual activation, factor
kinds and recent sign-in (firmid.mfa.levels.groups); each group is decided twice, under
today's settings and under the proposal, by `decide` itself. No user row is loaded: the
cost does not grow with the number of users beyond the database's count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from firmid.accounts.models import User
from firmid.core import clock
from firmid.mfa.levels.groups import TypeRules, counted_groups, firm_rules, kinds_of, user_type_of
from firmid.mfa.levels.selectors import TypeMfaOptions
from firmid.mfa.selectors import SECOND_FACTOR_KINDS
from firmid.policy import Decision, MfaLevel, UserType
from firmid.tenancy.models import Firm

RECENT_DAYS = 30


@dataclass(frozen=True)
class ProposedTypeSettings:
    """The settings of one user type about to be saved."""

    level: MfaLevel
    mandatory_from: datetime | None = None
    allowed_methods: frozenset[str] = SECOND_FACTOR_KINDS


@dataclass(frozen=True)
class TypeImpact:
    """One user type of a firm: where its active users would stand after the change."""

    user_type: UserType
    users: int  # active users of the type
    with_mfa: int  # already have an allowed factor (Configured)
    offered: int  # would be offered set-up (with Activate later) at their next sign-in
    forced: int  # would be forced to set it up (or to add an allowed factor) at their next sign-in
    offered_recent: int  # of `offered`, signed in within the last 30 days (User.last_login)
    forced_recent: int  # of `forced`, signed in within the last 30 days
    managed_by_sso: bool  # the type signs in through SSO: nothing changes
    now_offered: int = 0  # today's settings: offered set-up
    now_forced: int = 0  # today's settings: forced to set it up
    now_with_mfa: int = 0  # today's settings: an allowed factor set up

    @property
    def changes(self) -> bool:
        """Would any user of the type stand elsewhere after the change?"""
        return (self.with_mfa, self.offered, self.forced) != (self.now_with_mfa, self.now_offered, self.now_forced)


@dataclass
class _Counts:
    users: int = 0
    with_mfa: int = 0
    offered: int = 0
    forced: int = 0
    offered_recent: int = 0
    forced_recent: int = 0
    now: dict[str, int] = field(default_factory=lambda: {"with_mfa": 0, "offered": 0, "forced": 0})

    def add(self, *, n: int, recent: bool, after: Decision, before: Decision) -> None:
        self.users += n
        self.with_mfa += n if after.asks_for_code else 0
        self.offered += n if after.may_postpone_enrolment else 0
        self.forced += n if after.must_enroll else 0
        self.offered_recent += n if recent and after.may_postpone_enrolment else 0
        self.forced_recent += n if recent and after.must_enroll else 0
        self.now["with_mfa"] += n if before.asks_for_code else 0
        self.now["offered"] += n if before.may_postpone_enrolment else 0
        self.now["forced"] += n if before.must_enroll else 0


def level_change_impact(*, firm: Firm, proposed: Mapping[UserType, ProposedTypeSettings]) -> list[TypeImpact]:
    """Count, per user type, who already uses MFA and who would be offered or forced to set it up."""
    current = firm_rules(firm_id=firm.pk)
    after = {t: _proposed_rules(rules, proposed.get(t)) for t, rules in current.items()}
    now = clock.now()
    counts = {t: _Counts() for t in UserType}
    for group in counted_groups(User.objects.filter(firm=firm), recent_since=now - timedelta(days=RECENT_DAYS)):
        user_type = user_type_of(group["role"])
        facts = {"activated": group["mfa_individually_activated"], "kinds": kinds_of(group), "now": now}
        counts[user_type].add(
            n=group["n"],
            recent=bool(group["recent"]),  # NULL (never signed in) is not recent
            after=after[user_type].decision(**facts),
            before=current[user_type].decision(**facts),
        )
    return [_impact(t, counts[t], sso=current[t].sso) for t in UserType]


def _proposed_rules(rules: TypeRules, proposal: ProposedTypeSettings | None) -> TypeRules:
    if proposal is None:
        return rules
    mandatory_from = proposal.mandatory_from if proposal.level is MfaLevel.MANDATORY else None
    options: TypeMfaOptions = replace(
        rules.options,
        level=proposal.level,
        mandatory_from=mandatory_from,
        allowed_methods=frozenset(proposal.allowed_methods) & SECOND_FACTOR_KINDS or SECOND_FACTOR_KINDS,
    )
    return replace(rules, options=options)


def _impact(user_type: UserType, counts: _Counts, *, sso: bool) -> TypeImpact:
    return TypeImpact(
        user_type=user_type,
        users=counts.users,
        with_mfa=counts.with_mfa,
        offered=counts.offered,
        forced=counts.forced,
        offered_recent=counts.offered_recent,
        forced_recent=counts.forced_recent,
        managed_by_sso=sso,
        now_offered=counts.now["offered"],
        now_forced=counts.now["forced"],
        now_with_mfa=counts.now["with_mfa"],
    )
