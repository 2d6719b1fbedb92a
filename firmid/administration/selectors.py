"""Reads of the Administration application's lists: firms with their levels and SSO, users by status.

The firm list: each firm's level and SSO per user type, filtered in the database, and read
for a page of firms in two more queries (whatever the page's size).

The user lists: the status filter is `decide` itself. Every combination of what a decision
reads (the type's level, a rollout still ahead, the allowed kinds, SSO, the individual
activation, the kinds set up) is one small integer computed in SQL; each combination is
decided once in Python, and the ones with the status asked for become the filter. The list
and its filter can never disagree with what sign-in does.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import add

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from firmid.accounts.models import ROLES_OF_TYPE, User
from firmid.accounts.selectors import UserKind, users_search
from firmid.core import clock
from firmid.mfa.levels.groups import TypeRules, firms_rules
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import SECOND_FACTOR_KINDS, with_mfa_snapshot
from firmid.policy import MfaLevel, PolicyInput, Status, UserType, decide
from firmid.sso.models import SsoConnection
from firmid.tenancy.models import ClientCompany, Firm
from firmid.tenancy.selectors import firm_search

SSO_ENABLED = "enabled"
SSO_NONE = "none"

# --- the firm list ---------------------------------------------------------------------


def _level_of(user_type: UserType) -> Subquery:
    rows = FirmMfaLevel.objects.filter(firm_id=OuterRef("pk"), user_type=user_type.value)
    return Subquery(rows.values("level")[:1])


def _sso_of(user_type: UserType) -> Exists:
    return Exists(SsoConnection.objects.filter(firm_id=OuterRef("pk"), user_type=user_type.value, enabled=True))


def _level_is(user_type: UserType, level: MfaLevel) -> Q:
    """The type's level is `level` and applies: no SSO connection manages the type."""
    name, sso = f"level_{user_type.value}", f"sso_{user_type.value}"
    saved = Q(**{name: level.value})
    if level is MfaLevel.UPON_REQUEST:
        saved |= Q(**{f"{name}__isnull": True})  # nothing saved: Upon request
    return saved & Q(**{sso: False})


def firms_filtered(
    *, query: str = "", user_type: UserType | None = None, level: MfaLevel | None = None, sso: str = ""
) -> QuerySet[Firm]:
    """Firms by name; with a level, those where a type (or `user_type`) has it; with SSO, enabled or none."""
    firms = firm_search(query=query)
    types = (user_type,) if user_type else tuple(UserType)
    if level is None and sso not in (SSO_ENABLED, SSO_NONE):
        return firms
    firms = firms.alias(
        **{f"level_{t.value}": _level_of(t) for t in types}, **{f"sso_{t.value}": _sso_of(t) for t in types}
    )
    if level is not None:
        firms = firms.filter(reduce(lambda a, b: a | b, (_level_is(t, level) for t in types)))
    if sso == SSO_ENABLED:
        firms = firms.filter(reduce(lambda a, b: a | b, (Q(**{f"sso_{t.value}": True}) for t in types)))
    elif sso == SSO_NONE:
        firms = firms.filter(**{f"sso_{t.value}": False for t in types})
    return firms


@dataclass(frozen=True)
class FirmTypeCell:
    """One user type of a firm in the firm list: its level (and rollout date) and whether SSO signs it in."""

    user_type: UserType
    level: MfaLevel
    mandatory_from: datetime | None
    sso: bool
    rollout_pending: bool


@dataclass(frozen=True)
class FirmRow:
    firm: Firm
    cells: tuple[FirmTypeCell, ...]


def firm_rows(firms: list[Firm]) -> list[FirmRow]:
    """Each firm with its level and SSO per user type: two queries for the whole page."""
    rules = firms_rules(firm_ids=[firm.pk for firm in firms])
    now = clock.now()
    return [
        FirmRow(firm, tuple(_cell(t, rules.get((firm.pk, t), TypeRules()), now) for t in UserType)) for firm in firms
    ]


def _cell(user_type: UserType, rules: TypeRules, now: datetime) -> FirmTypeCell:
    options = rules.options
    return FirmTypeCell(user_type, options.level, options.mandatory_from, rules.sso, rules.rollout_pending(now))


# --- the user lists --------------------------------------------------------------------

# The allowed kinds a firm may save (mfa.selectors.format_allowed_methods): every kind, or one.
_ALLOWED_SETS = (frozenset(SECOND_FACTOR_KINDS), *(frozenset({kind}) for kind in sorted(SECOND_FACTOR_KINDS)))
_KINDS = tuple(sorted(SECOND_FACTOR_KINDS))
_LEVELS = tuple(MfaLevel)


@dataclass(frozen=True)
class _Facts:
    level: MfaLevel
    pending: bool
    allowed: frozenset[str]
    sso: bool
    activated: bool
    kinds: frozenset[str]

    @property
    def key(self) -> int:
        parts = (
            (_LEVELS.index(self.level), len(_LEVELS)),
            (int(self.pending), 2),
            (_ALLOWED_SETS.index(self.allowed), len(_ALLOWED_SETS)),
            (int(self.sso), 2),
            (int(self.activated), 2),
        )
        key = 0
        for value, size in parts:
            key = key * size + value
        return key * 2 ** len(_KINDS) + sum(1 << n for n, kind in enumerate(_KINDS) if kind in self.kinds)

    def status(self) -> Status:
        return decide(
            PolicyInput(
                level=self.level,
                sso=self.sso,
                individually_activated=self.activated,
                has_factor=bool(self.kinds & self.allowed),
                has_disallowed_factor=bool(self.kinds - self.allowed),
                rollout_pending=self.pending,
            )
        ).status


def _every_facts() -> list[_Facts]:
    kind_sets = [frozenset(c) for n in range(len(_KINDS) + 1) for c in itertools.combinations(_KINDS, n)]
    return [
        _Facts(*values)
        for values in itertools.product(_LEVELS, (False, True), _ALLOWED_SETS, (False, True), (False, True), kind_sets)
    ]


def status_keys(status: Status) -> list[int]:
    """The facts keys `decide` gives `status` (firm users: never support agents)."""
    return sorted({facts.key for facts in _every_facts() if facts.status() is status})


def _flag(condition: Q, weight: int) -> Case:
    return Case(When(condition, then=Value(weight)), default=Value(0), output_field=IntegerField())


def facts_key_expression(now: datetime) -> Case:
    """SQL computing `_Facts.key` of a user annotated by `with_mfa_snapshot`."""
    kinds_size = 2 ** len(_KINDS)
    weights = {"activated": kinds_size}
    weights["sso"] = weights["activated"] * 2
    weights["allowed"] = weights["sso"] * 2
    weights["pending"] = weights["allowed"] * len(_ALLOWED_SETS)
    weights["level"] = weights["pending"] * 2
    mandatory = Q(mfa_level=MfaLevel.MANDATORY.value)
    terms = [
        _flag(Q(mfa_level=MfaLevel.SUGGESTED.value), weights["level"] * _LEVELS.index(MfaLevel.SUGGESTED)),
        _flag(mandatory, weights["level"] * _LEVELS.index(MfaLevel.MANDATORY)),
        _flag(mandatory & Q(mfa_mandatory_from__gt=now), weights["pending"]),
        # Stored as "" (every kind) or one kind (format_allowed_methods).
        *(
            _flag(Q(mfa_allowed_methods=kind), weights["allowed"] * _ALLOWED_SETS.index(frozenset({kind})))
            for kind in _KINDS
        ),
        _flag(Q(mfa_sso=True), weights["sso"]),
        _flag(Q(mfa_individually_activated=True), weights["activated"]),
        *(_flag(Q(**{f"mfa_has_{kind}": True}), 1 << n) for n, kind in enumerate(_KINDS)),
    ]
    return reduce(add, terms)


def users_filtered(
    *,
    kind: UserKind,
    query: str = "",
    firm_id: int | None = None,
    company_id: int | None = None,
    user_type: UserType | None = None,
    status: Status | None = None,
) -> QuerySet[User]:
    """A user list's users, annotated for their decision (one query per page, the count aside)."""
    users = users_search(kind=kind, query=query, firm_id=firm_id).select_related("client_company")
    if company_id is not None:
        users = users.filter(client_company_id=company_id)
    if user_type is not None:
        users = users.filter(role__in=ROLES_OF_TYPE[user_type])
    users = with_mfa_snapshot(users)
    if status is not None:
        users = users.alias(mfa_facts_key=facts_key_expression(clock.now())).filter(
            mfa_facts_key__in=status_keys(status)
        )
    return users


def firm_choices() -> list[tuple[int, str]]:
    return list(Firm.objects.order_by("name").values_list("pk", "name"))


def company_choices(*, firm_id: int | None) -> list[tuple[int, str]]:
    if firm_id is None:
        return []
    return list(ClientCompany.objects.filter(firm_id=firm_id).order_by("name").values_list("pk", "name"))
