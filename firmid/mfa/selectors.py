"""Reads of MFA policy: the snapshot a decision is made on, one query whatever the firm's size.

Within one request a user's snapshot is read once (`firmid.core.request_memo`). Any write to
what a decision depends on forgets the remembered snapshots (model signals in
`firmid.mfa.signals`, and `forget_decisions()` after queryset updates), so a step that
enrols, resets or changes a level sees its own change.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import UTC, datetime

from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import Case, CharField, Exists, OuterRef, QuerySet, Subquery, Value, When
from django.utils.dateparse import parse_datetime

from firmid.accounts.models import ROLES_OF_TYPE, User
from firmid.core import clock, request_memo
from firmid.mfa.factors.base import Factor, FactorSummary
from firmid.mfa.models import FirmMfaLevel, LostDeviceRequest
from firmid.mfa.registry import factor, factors
from firmid.policy import Decision, MfaLevel, PolicyInput, decide
from firmid.sso.models import SsoConnection

# The factors that make a user "Configured": recovery codes alone do not.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
SECOND_FACTOR_KINDS = frozenset(t.value for t in SECOND_FACTOR_TYPES)


def parse_allowed_methods(stored: str | None) -> frozenset[str]:
    """The factor kinds a firm allows for a type, from FirmMfaLevel.allowed_methods ("" is every kind)."""
    kinds = frozenset(k for k in (stored or "").split(",") if k) & SECOND_FACTOR_KINDS
    return kinds or SECOND_FACTOR_KINDS


def format_allowed_methods(kinds: frozenset[str] | set[str]) -> str:
    """Store a set of allowed kinds: "" when it is every kind (so a new kind is allowed by default)."""
    kinds = frozenset(kinds) & SECOND_FACTOR_KINDS
    return "" if kinds == SECOND_FACTOR_KINDS else ",".join(sorted(kinds))


def _user_type_expression() -> Case:
    return Case(
        *[When(role__in=roles, then=Value(t.value)) for t, roles in ROLES_OF_TYPE.items()],
        default=Value(""),
        output_field=CharField(),
    )


def with_mfa_snapshot(users: QuerySet[User]) -> QuerySet[User]:
    """Annotate each user with what the MFA decision needs, in the same query."""
    same_type = {"firm_id": OuterRef("firm_id"), "user_type": OuterRef("mfa_user_type")}
    level_row = FirmMfaLevel.objects.filter(**same_type)
    return users.annotate(mfa_user_type=_user_type_expression()).annotate(
        mfa_level=Subquery(level_row.values("level")[:1]),
        mfa_mandatory_from=Subquery(level_row.values("mandatory_from")[:1]),
        mfa_allowed_methods=Subquery(level_row.values("allowed_methods")[:1]),
        mfa_sso=Exists(SsoConnection.objects.filter(**same_type, enabled=True)),
        **{
            f"mfa_has_{kind}": Exists(Authenticator.objects.filter(user_id=OuterRef("pk"), type=kind))
            for kind in sorted(SECOND_FACTOR_KINDS)
        },
    )


def policy_input_of(annotated: User) -> PolicyInput:
    """Build the decision's snapshot from a user annotated by `with_mfa_snapshot`."""
    level = MfaLevel(annotated.mfa_level or MfaLevel.UPON_REQUEST.value)
    kinds = factor_kinds_of(annotated)
    allowed = parse_allowed_methods(annotated.mfa_allowed_methods)
    mandatory_from = _as_datetime(annotated.mfa_mandatory_from)
    return PolicyInput(
        level=level,
        sso=bool(annotated.mfa_sso),  # a raw query gives SQLite's 0/1
        individually_activated=annotated.mfa_individually_activated,
        has_factor=bool(kinds & allowed),
        support_agent=annotated.is_support_agent,
        has_disallowed_factor=bool(kinds - allowed),
        rollout_pending=level is MfaLevel.MANDATORY and mandatory_from is not None and clock.now() < mandatory_from,
    )


def factor_kinds_of(annotated: User) -> frozenset[str]:
    """The second-factor kinds a user annotated by `with_mfa_snapshot` has set up."""
    return frozenset(kind for kind in SECOND_FACTOR_KINDS if getattr(annotated, f"mfa_has_{kind}"))


def _as_datetime(value: object) -> datetime | None:
    # A raw query on SQLite gives a naive datetime (UTC) or text; PostgreSQL an aware datetime.
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=UTC)


_SNAPSHOTS = "mfa_snapshots"
_ANY_ID = -7_919_113_337  # stands for the user's id while the query is compiled; no user has it


@functools.cache
def _snapshot_sql(alias: str) -> tuple[str, tuple, int]:
    """The SQL of `with_mfa_snapshot` for one user, compiled once per database.

    Building and compiling this query costs more CPU than running it (about 1.4 ms), and
    every signed-in request runs it: the SQL is kept, with the place of the user's id.
    """
    query = with_mfa_snapshot(User.objects.using(alias).filter(pk=_ANY_ID)).query
    sql, params = query.get_compiler(alias).as_sql()
    return sql, tuple(params), params.index(_ANY_ID)


def user_with_snapshot(*, user_id: object) -> User | None:
    """The user read with what the MFA decision needs (one query), or None if there is none.

    Within a request the snapshot is remembered: the decisions that follow need no query.
    """
    alias = router.db_for_read(User)
    sql, params, at = _snapshot_sql(alias)
    try:
        user_id = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    found = list(User.objects.db_manager(alias).raw(sql, [*params[:at], user_id, *params[at + 1 :]]))
    if not found:
        return None
    remembered = request_memo.remembered(_SNAPSHOTS)
    if remembered is not None:
        remembered[found[0].pk] = policy_input_of(found[0])
    return found[0]


def forget_decisions() -> None:
    """Something a decision depends on was written: read it again next time."""
    request_memo.forget(_SNAPSHOTS)
    request_memo.forget("mfa_options")  # firmid.mfa.levels.selectors


def user_policy_input(*, user: User) -> PolicyInput:
    remembered = request_memo.remembered(_SNAPSHOTS)
    if remembered is not None and user.pk in remembered:
        return remembered[user.pk]
    annotated = user_with_snapshot(user_id=user.pk)
    if annotated is None:
        raise User.DoesNotExist(f"No user {user.pk}")
    return policy_input_of(annotated)


def user_mfa_decision(*, user: User) -> Decision:
    """Decide what `user` must do now, from the current state of the database."""
    return decide(user_policy_input(user=user))


def user_mfa_decision_after_reset(*, user: User) -> Decision:
    """Decide what `user` must do once a reset removed their factors (level and activation stay)."""
    return decide(replace(user_policy_input(user=user), has_factor=False, has_disallowed_factor=False))


def user_mfa_decision_without(*, user: User, authenticator: Authenticator) -> Decision:
    """Decide what `user` would have to do once `authenticator` is removed (their other factors stay)."""
    annotated = user_with_snapshot(user_id=user.pk)
    if annotated is None:
        raise User.DoesNotExist(f"No user {user.pk}")
    others = set(
        Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTOR_KINDS)
        .exclude(pk=authenticator.pk)
        .values_list("type", flat=True)
    )
    for kind in SECOND_FACTOR_KINDS:
        setattr(annotated, f"mfa_has_{kind}", kind in others)
    return decide(policy_input_of(annotated))


def user_mfa_decision_after_deactivation(*, user: User) -> Decision:
    """Decide what `user` must do once their individual activation is undone (factors stay)."""
    return decide(replace(user_policy_input(user=user), individually_activated=False))


def user_factors(*, user: User) -> list[tuple[Factor, Authenticator]]:
    """Return the factors `user` set up, with their stored rows, in the registry's order."""
    rows = Authenticator.objects.filter(user=user, type__in=[f.kind for f in factors()]).order_by("pk")
    order = {f.kind: i for i, f in enumerate(factors())}
    return sorted(((factor(row.type), row) for row in rows), key=lambda pair: order[pair[0].kind])


def user_factor_summaries(*, user: User) -> list[FactorSummary]:
    """Describe the factors `user` set up, as My account and the support Login tab list them."""
    return [f.describe(row) for f, row in user_factors(user=user)]


def user_code_factor(*, user: User) -> tuple[Factor, Authenticator] | None:
    """Return the factor `user` set up that a typed code answers, with its stored row, or None."""
    return next(((f, row) for f, row in user_factors(user=user) if f.takes_typed_code), None)


def user_open_lost_device_requests(*, user: User) -> list[LostDeviceRequest]:
    """The user's lost-device requests support has not handled yet, newest first (the Login tab)."""
    return list(LostDeviceRequest.objects.filter(user=user, handled_at__isnull=True).order_by("-created_at", "-pk"))
