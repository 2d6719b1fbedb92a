"""Users counted by what their MFA decision depends on, and the decision of each such group.

A firm user's decision depends on their type's settings (level, rollout date, allowed
kinds, SSO), their individual activation and the kinds of factor they set up. The
database groups users by those facts (a few groups per role, whatever the number of
users) and each group is put through `decide` itself: the reports, the impact preview and
the list of users without MFA can never disagree with what sign-in does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from itertools import chain, combinations
from operator import add
from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from django.db.models import BooleanField, Case, Count, Exists, ExpressionWrapper, OuterRef, Q, Value, When

from firmid.accounts.models import ROLES_OF_TYPE, TYPE_OF_ROLE, Role, User
from firmid.mfa.levels.selectors import TypeMfaOptions
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import SECOND_FACTOR_KINDS, parse_allowed_methods
from firmid.policy import Decision, MfaLevel, PolicyInput, UserType, decide
from firmid.sso.models import SsoConnection

if TYPE_CHECKING:
    from django.db.models import QuerySet

# The annotation that says whether a user set up a factor of each kind.
HAS_KIND = {kind: f"has_{kind}" for kind in sorted(SECOND_FACTOR_KINDS)}
# Every set of factor kinds a user may hold: the groups a type's users can fall in.
KIND_SETS = tuple(
    frozenset(s) for s in chain.from_iterable(combinations(sorted(SECOND_FACTOR_KINDS), n) for n in range(3))
)


@dataclass(frozen=True)
class TypeRules:
    """What a decision reads from a firm for one user type: its options, and whether SSO signs it in."""

    options: TypeMfaOptions = TypeMfaOptions()
    sso_issuer: str | None = None

    @property
    def sso(self) -> bool:
        return self.sso_issuer is not None

    def rollout_pending(self, now: datetime) -> bool:
        """Mandatory from a date not reached at `now`: set-up is still only offered."""
        mandatory_from = self.options.mandatory_from
        return self.options.level is MfaLevel.MANDATORY and mandatory_from is not None and now < mandatory_from

    def decision(self, *, activated: bool, kinds: frozenset[str], now: datetime) -> Decision:
        """Decide for a user of the type with this individual activation and these factor kinds."""
        allowed = self.options.allowed_methods
        return decide(
            PolicyInput(
                level=self.options.level,
                sso=self.sso,
                individually_activated=activated,
                has_factor=bool(kinds & allowed),
                has_disallowed_factor=bool(kinds - allowed),
                rollout_pending=self.rollout_pending(now),
            )
        )


def factor_owners(kind: str) -> QuerySet:
    return Authenticator.objects.filter(type=kind).values("user_id")


def with_factor_kinds(users: QuerySet[User]) -> QuerySet[User]:
    """Annotate `has_<kind>` for every second-factor kind.

    An uncorrelated IN per kind: the database hashes the owners once, not one probe per user.
    """
    return users.annotate(
        **{
            name: ExpressionWrapper(Q(pk__in=factor_owners(kind)), output_field=BooleanField())
            for kind, name in HAS_KIND.items()
        }
    )


def kinds_of(row: Mapping[str, object]) -> frozenset[str]:
    """The factor kinds of a row annotated by `with_factor_kinds`."""
    return frozenset(kind for kind, name in HAS_KIND.items() if row[name])


def firm_users(users: QuerySet[User]) -> QuerySet[User]:
    """The users a report counts: active firm users (a disabled user cannot sign in; agents have no firm)."""
    return users.filter(is_active=True).exclude(role=Role.SUPPORT_AGENT)


def counted_groups(users: QuerySet[User], *, recent_since: datetime | None = None) -> Iterable[dict]:
    """Count active firm users by firm, role, individual activation, factor kinds (and recent sign-in)."""
    grouped = with_factor_kinds(firm_users(users))
    fields = ["firm_id", "role", "mfa_individually_activated", *HAS_KIND.values()]
    if recent_since is not None:
        recent = ExpressionWrapper(Q(last_login__gte=recent_since), output_field=BooleanField())
        grouped = grouped.annotate(recent=recent)
        fields.append("recent")
    return grouped.values(*fields).annotate(n=Count("pk")).order_by()


def user_type_of(role: str) -> UserType:
    return TYPE_OF_ROLE[role]


def firms_rules(*, firm_ids: list[int] | None) -> dict[tuple[int, UserType], TypeRules]:
    """The rules of each (firm, type) that saved a level or enabled SSO; None reads every firm's (2 queries)."""
    levels = FirmMfaLevel.objects.all() if firm_ids is None else FirmMfaLevel.objects.filter(firm_id__in=firm_ids)
    connections = SsoConnection.objects.filter(enabled=True)
    if firm_ids is not None:
        connections = connections.filter(firm_id__in=firm_ids)
    options = {
        (firm_id, UserType(user_type)): TypeMfaOptions(
            level=MfaLevel(level), mandatory_from=mandatory_from, allowed_methods=parse_allowed_methods(allowed)
        )
        for firm_id, user_type, level, mandatory_from, allowed in levels.values_list(
            "firm_id", "user_type", "level", "mandatory_from", "allowed_methods"
        )
    }
    issuers = {
        (firm_id, UserType(user_type)): issuer
        for firm_id, user_type, issuer in connections.values_list("firm_id", "user_type", "issuer")
    }
    return {key: TypeRules(options.get(key, TypeMfaOptions()), issuers.get(key)) for key in options.keys() | issuers}


def firm_rules(*, firm_id: int) -> dict[UserType, TypeRules]:
    """The rules of each user type of one firm (the defaults where nothing was saved)."""
    saved = firms_rules(firm_ids=[firm_id])
    return {t: saved.get((firm_id, t), TypeRules()) for t in UserType}


# A user's facts as one small integer: user type, individual activation, one bit per factor kind.
_KIND_BITS = {kind: 1 << n for n, kind in enumerate(sorted(SECOND_FACTOR_KINDS))}
ACTIVATED_BIT = 1 << len(_KIND_BITS)
_TYPE_STEP = ACTIVATED_BIT << 1
_TYPES = tuple(UserType)


def facts_code(user_type: UserType, activated: bool, kinds: frozenset[str]) -> int:
    """The code `facts_expression` gives a user of `user_type` with this activation and these factor kinds."""
    bits = sum(_KIND_BITS[kind] for kind in kinds)
    return _TYPES.index(user_type) * _TYPE_STEP + (ACTIVATED_BIT if activated else 0) + bits


def type_of_code(code: int) -> UserType:
    return _TYPES[code // _TYPE_STEP]


def kinds_of_code(code: int) -> frozenset[str]:
    return frozenset(kind for kind, bit in _KIND_BITS.items() if code & bit)


def facts_expression() -> Case:
    """SQL computing `facts_code` per user; a factor kind is an indexed probe of the user's own rows."""
    of_type = Case(
        *[When(role__in=ROLES_OF_TYPE[t], then=Value(n * _TYPE_STEP)) for n, t in enumerate(_TYPES)],
        default=Value(len(_TYPES) * _TYPE_STEP),  # no firm user type: matches no code
    )
    flags = [Case(When(mfa_individually_activated=True, then=Value(ACTIVATED_BIT)), default=Value(0))]
    flags += [
        Case(
            When(Exists(Authenticator.objects.filter(user_id=OuterRef("pk"), type=kind)), then=Value(bit)),
            default=Value(0),
        )
        for kind, bit in _KIND_BITS.items()
    ]
    return reduce(add, flags, of_type)
