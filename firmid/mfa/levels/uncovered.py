"""Who is not covered: a firm's active users without MFA, with their status and why, and the level history.

Which users are listed is decided by `decide` itself: for each user type, every
combination of individual activation and factor kinds is decided once
(firmid.mfa.levels.groups), and the combinations whose status is asked for become the SQL
filter. Rows are read in keyset pages (by id), so an export of 100,000 users never holds
them all at once.

"Without MFA" is firmid's statuses Not offered, Suggested and Forced: no factor of an
allowed kind. A type the firm signs in through SSO is listed apart (Managed by SSO): its
provider may well ask for a second factor, but firmid cannot prove it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple
from uuid import UUID

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from firmid.accounts.models import Role, User
from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.audit.services import audit_record
from firmid.core import clock
from firmid.core.errors import ServiceError
from firmid.mfa.levels.groups import (
    ACTIVATED_BIT,
    KIND_SETS,
    TypeRules,
    facts_code,
    facts_expression,
    firm_rules,
    firm_users,
    kinds_of_code,
    type_of_code,
)
from firmid.policy import Decision, MfaLevel, Status, UserType
from firmid.tenancy.labels import label

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.tenancy.models import Firm

WITHOUT_MFA = (Status.NOT_OFFERED, Status.SUGGESTED, Status.FORCED)
LISTED_STATUSES = (*WITHOUT_MFA, Status.MANAGED_BY_SSO)
ROLE_LABELS = dict(Role.choices)
KIND_LABELS = {"totp": gettext_lazy("Authenticator app"), "webauthn": gettext_lazy("Passkey or security key")}
HISTORY_ACTIONS = (AuditAction.MFA_LEVEL_CHANGED, AuditAction.MFA_OPTIONS_CHANGED)
_FIELDS = (
    "pk",
    "email",
    "full_name",
    "role",
    "last_login",
    "mfa_facts",
)


@dataclass(frozen=True)
class UncoveredQuery:
    """Which users to list: one user type or all; one status or every status without MFA."""

    user_type: UserType | None = None
    status: Status | None = None

    @property
    def statuses(self) -> tuple[Status, ...]:
        return WITHOUT_MFA if self.status is None else (self.status,)

    @property
    def user_types(self) -> tuple[UserType, ...]:
        return tuple(UserType) if self.user_type is None else (self.user_type,)

    def as_params(self) -> dict[str, str]:
        """The query as the page's and the API's parameters (user_type, status); empty ones left out."""
        params = {"user_type": self.user_type, "status": self.status}
        return {name: value.value for name, value in params.items() if value is not None}


def parse_uncovered_query(*, user_type: str | None, status: str | None) -> UncoveredQuery:
    """Turn the filters from outside into a query, or refuse them with a clear message ("" is all)."""
    return UncoveredQuery(
        user_type=_parsed(user_type, tuple(UserType), "user type"),
        status=_parsed(status, LISTED_STATUSES, "status"),
    )


def _parsed(raw: str | None, choices: tuple, what: str):  # noqa: ANN202
    if not raw:
        return None
    for choice in choices:
        if raw == choice.value:
            return choice
    names = ", ".join(choice.value for choice in choices)
    raise ServiceError(
        _("Unknown %(what)s %(raw)r: choose one of %(choices)s.")
        % {"what": what, "raw": str(raw)[:40], "choices": names}
    )


class Verdict(NamedTuple):
    """Where a user stands and why: the same for every user of a type with the same facts."""

    user_type: UserType
    status: Status
    level: str  # "Upon request", "Mandatory from 2026-12-10 08:00 UTC", "Managed by SSO"
    reasons: tuple[str, ...]
    activated: bool  # MFA individually activated by support
    disallowed_kinds: tuple[str, ...]  # labels of the factors set up that the firm no longer allows


class UncoveredUser(NamedTuple):
    """One listed user: who, their status and why (a tuple: an export makes 100,000 of them)."""

    pk: int
    email: str
    full_name: str
    role: str
    last_login: datetime | None
    verdict: Verdict  # shared by every user with the same facts
    public_id: UUID | None = None  # read for the page's links only, not for an export

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def user_type(self) -> UserType:
        return self.verdict.user_type

    @property
    def status(self) -> Status:
        return self.verdict.status

    @property
    def level(self) -> str:
        return self.verdict.level

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.verdict.reasons

    @property
    def individually_activated(self) -> bool:
        return self.verdict.activated

    @property
    def disallowed_kinds(self) -> tuple[str, ...]:
        return self.verdict.disallowed_kinds


class FirmUncovered:
    """The users of one firm that a query lists, decided once per combination of facts."""

    def __init__(self, *, firm: Firm, query: UncoveredQuery) -> None:
        self.firm = firm
        self.query = query
        self.now = clock.now()
        self.rules = firm_rules(firm_id=firm.pk)
        self.decisions = {
            facts_code(t, activated, kinds): rules.decision(activated=activated, kinds=kinds, now=self.now)
            for t, rules in self.rules.items()
            for activated in (False, True)
            for kinds in KIND_SETS
        }
        self._verdicts: dict[int, Verdict] = {}

    def users(self, *, with_public_id: bool = False) -> QuerySet:
        """The listed users as value rows, by id (one query; filtered and ordered in the database)."""
        wanted = [
            code
            for code, decision in self.decisions.items()
            if decision.status in self.query.statuses and type_of_code(code) in self.query.user_types
        ]
        users = firm_users(User.objects.filter(firm=self.firm)).annotate(mfa_facts=facts_expression())
        # One expression of the facts, compared with the codes the decision lists: each factor
        # table probe is written once in the SQL (not once per combination).
        fields = (*_FIELDS, "public_id") if with_public_id else _FIELDS
        return users.filter(mfa_facts__in=wanted).values(*fields).order_by("pk")

    def rows(self, *, batch: int = 20_000) -> Iterator[UncoveredUser]:
        """Every listed user, read `batch` at a time after the last id seen (keyset pages)."""
        users, after = self.users(), 0
        while True:
            page = _fetch(users.filter(pk__gt=after)[:batch])
            yield from (self.row(values) for values in page)
            if len(page) < batch:
                return
            after = page[-1]["pk"]

    def row(self, values: Mapping[str, object]) -> UncoveredUser:
        """Describe one user read by `users()`."""
        code = values["mfa_facts"]
        verdict = self._verdicts.get(code) or self._verdicts.setdefault(code, self._verdict(code))
        return UncoveredUser(
            values["pk"],
            values["email"],
            values["full_name"],
            values["role"],
            values["last_login"],
            verdict,
            values.get("public_id"),
        )

    def _verdict(self, code: int) -> Verdict:
        """What every user with the facts `code` shares: written once per export, not once per user."""
        user_type, kinds = type_of_code(code), kinds_of_code(code)
        rules, decision = self.rules[user_type], self.decisions[code]
        return Verdict(
            user_type=user_type,
            status=decision.status,
            level=level_text(rules),
            reasons=self._reasons(rules, decision),
            activated=bool(code & ACTIVATED_BIT),
            disallowed_kinds=tuple(str(KIND_LABELS.get(k, k)) for k in sorted(kinds - rules.options.allowed_methods)),
        )

    def _reasons(self, rules: TypeRules, decision: Decision) -> tuple[str, ...]:
        if decision.managed_by_sso:
            return (
                _(
                    "Signs in through the firm's identity provider (%(issuer)s), which manages their MFA: "
                    "firmid cannot see whether it asks for a second factor"
                )
                % {"issuer": rules.sso_issuer},
            )
        reasons = [_level_reason(rules, self.now)]
        if decision.forced_by_activation:
            reasons.append(_("MFA was activated for them by support"))
        if decision.forced_by_method:
            reasons.append(_("Their only factor is of a kind the firm no longer allows: they must add an allowed one"))
        return tuple(reasons)


def _fetch(users: QuerySet) -> list[dict[str, object]]:
    """Run a page's query on the cursor: Django's per-value converters cost more than the query.

    Only last_login needs converting: SQLite gives its UTC text, PostgreSQL an aware datetime.
    """
    try:
        sql, params = users.query.get_compiler(using=users.db).as_sql()
    except EmptyResultSet:  # no combination of facts has the status asked for
        return []
    connection = connections[users.db]
    with transaction.atomic(using=users.db), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Its JIT compiles every page's query for about 0.5 s: more than running it costs.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["last_login"] = _as_utc(row["last_login"])
    return rows


def _as_utc(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def level_text(rules: TypeRules) -> str:
    """The type's level as support reads it: "Mandatory from 2026-12-10 08:00 UTC", "Managed by SSO"."""
    if rules.sso:
        return label(Status.MANAGED_BY_SSO)
    options = rules.options
    if options.level is MfaLevel.MANDATORY and options.mandatory_from is not None:
        return _("%(level)s from %(moment)s UTC") % {
            "level": label(options.level),
            "moment": f"{options.mandatory_from:%Y-%m-%d %H:%M}",
        }
    return label(options.level)


def _level_reason(rules: TypeRules, now: datetime) -> str:
    level = rules.options.level
    if rules.rollout_pending(now):
        return _("Level %(level)s: until then set-up is offered with Activate later") % {"level": level_text(rules)}
    if level is MfaLevel.MANDATORY:
        return _("Level Mandatory: set-up is demanded at the next sign-in")
    if level is MfaLevel.SUGGESTED:
        return _("Level Suggested: set-up is offered at each sign-in, with Activate later")
    return _("Level Upon request: set-up is not offered")


def firm_uncovered(*, firm: Firm, query: UncoveredQuery) -> FirmUncovered:
    """The users of `firm` that `query` lists (users without MFA by default)."""
    return FirmUncovered(firm=firm, query=query)


def firm_level_history(*, firm: Firm) -> QuerySet[AuditEvent]:
    """The firm's level and option changes, oldest first: when, who, which type, from → to."""
    return AuditEvent.objects.filter(firm=firm, action__in=HISTORY_ACTIONS).order_by("at", "id")


def uncovered_export_record(*, actor: User, firm: Firm, query: UncoveredQuery, request: HttpRequest | None) -> None:
    """Audit an export of the users without MFA (who took the list of whom, with which filters)."""
    filters = ", ".join(f"{name}={value}" for name, value in query.as_params().items()) or "no filter"
    audit_record(
        action=AuditAction.MFA_UNCOVERED_EXPORTED,
        actor=actor,
        firm=firm,
        request=request,
        user_type=query.user_type.value if query.user_type else "",
        detail=f"CSV export ({filters})",
    )
