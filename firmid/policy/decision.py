from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import Enum


class UserType(str, Enum):
    """The unit of MFA policy: a firm has one level per user type."""

    PRACTITIONERS = "practitioners"
    CLIENTS = "clients"
    CLIENT_EMPLOYEES = "client_employees"

    @property
    def label(self) -> str:
        return _USER_TYPE_LABELS[self]


_USER_TYPE_LABELS = {
    UserType.PRACTITIONERS: "Practitioners",
    UserType.CLIENTS: "Administrator clients and standard clients",
    UserType.CLIENT_EMPLOYEES: "Employees of the accounting firm's clients",
}


class MfaLevel(str, Enum):
    UPON_REQUEST = "upon_request"
    SUGGESTED = "suggested"
    MANDATORY = "mandatory"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Action(str, Enum):
    """What the user must do now, after their first factor."""

    NONE = "none"
    VERIFY = "verify"
    ENROLL_OPTIONAL = "enroll_optional"
    ENROLL_REQUIRED = "enroll_required"
    SSO = "sso"


class Status(str, Enum):
    """The status support staff see on a user's Login tab: a slug, shown by its label."""

    NOT_OFFERED = "not_offered"
    SUGGESTED = "suggested"
    FORCED = "forced"
    CONFIGURED = "configured"
    MANAGED_BY_SSO = "managed_by_sso"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


# The API and the audit rows carry these labels: they are part of firmid's contract.
_STATUS_LABELS = {
    Status.NOT_OFFERED: "Not offered",
    Status.SUGGESTED: "Suggested",
    Status.FORCED: "Forced",
    Status.CONFIGURED: "Configured",
    Status.MANAGED_BY_SSO: "Managed by SSO",
}


class ForcedBy(str, Enum):
    """Why the policy requires MFA of a user: each reason holds on its own."""

    FIRM_LEVEL = "firm_level"
    INDIVIDUAL_ACTIVATION = "individual_activation"
    SUPPORT_AGENT = "support_agent"
    # The user's only factors are of kinds the firm no longer allows for their type.
    METHOD_NOT_ALLOWED = "method_not_allowed"


@dataclass(frozen=True)
class PolicyInput:
    """A frozen snapshot of everything the decision depends on."""

    level: MfaLevel
    sso: bool
    individually_activated: bool
    has_factor: bool  # a factor of a kind the firm allows for the user's type
    support_agent: bool = False
    # A factor set up that the firm no longer allows for the type (passkeys only, say).
    has_disallowed_factor: bool = False
    # The level is Mandatory from a date not reached yet: until then set-up is offered.
    rollout_pending: bool = False


@dataclass(frozen=True)
class Decision:
    action: Action
    status: Status
    # Why MFA is required of the user, configured or not; empty when it is not, or under SSO.
    forced_by: frozenset[ForcedBy] = frozenset()

    # What the decision means, each written once: callers ask these, never compare actions or statuses.

    @property
    def forced_by_firm_level(self) -> bool:
        """The firm's level for the user's type requires MFA of them."""
        return ForcedBy.FIRM_LEVEL in self.forced_by

    @property
    def forced_by_activation(self) -> bool:
        """Support activated MFA for this user individually."""
        return ForcedBy.INDIVIDUAL_ACTIVATION in self.forced_by

    @property
    def forced_by_method(self) -> bool:
        """The user's only factors are no longer allowed: an allowed one must be added."""
        return ForcedBy.METHOD_NOT_ALLOWED in self.forced_by

    @property
    def asks_for_nothing(self) -> bool:
        """Signed in with the password only."""
        return self.action is Action.NONE

    @property
    def asks_for_code(self) -> bool:
        """A factor is set up: its code is asked at every sign-in."""
        return self.action is Action.VERIFY

    @property
    def asks_for_existing_factor(self) -> bool:
        """Sign-in asks a factor already set up: a configured one, or one no longer allowed.

        A factor the firm no longer allows still proves the person before an allowed one is
        added; it does not complete the sign-in on its own.
        """
        return self.action is Action.VERIFY or self.forced_by_method

    @property
    def may_postpone_enrolment(self) -> bool:
        """Offered set-up with Activate later."""
        return self.action is Action.ENROLL_OPTIONAL

    @property
    def must_enroll(self) -> bool:
        """Set-up is demanded before any application opens."""
        return self.action is Action.ENROLL_REQUIRED

    @property
    def may_enroll(self) -> bool:
        """The sign-in offers or demands set-up."""
        return self.action in (Action.ENROLL_OPTIONAL, Action.ENROLL_REQUIRED)

    @property
    def managed_by_sso(self) -> bool:
        """The firm's identity provider signs the user in: no firmid password, no firmid MFA."""
        return self.action is Action.SSO

    @property
    def needs_second_factor(self) -> bool:
        """A sign-in completes only with a second factor given in it (its code, or one set up)."""
        return self.action in (Action.VERIFY, Action.ENROLL_REQUIRED)

    @property
    def blocks_session(self) -> bool:
        """A session or token opened earlier may not go on: set-up is demanded.

        Under SSO only the sessions not opened through the firm's provider end (the session
        policy middleware); enabling a connection revokes the type's tokens.
        """
        return self.action is Action.ENROLL_REQUIRED

    @property
    def may_activate(self) -> bool:
        """Support may activate MFA for the user: nothing requires it of them yet."""
        return self.status in (Status.NOT_OFFERED, Status.SUGGESTED)

    @property
    def may_deactivate(self) -> bool:
        """Support may undo MFA's individual activation: there is one to undo."""
        return self.forced_by_activation

    @property
    def may_reset(self) -> bool:
        """Support may reset the user's MFA: firmid, not an identity provider, manages it."""
        return not self.managed_by_sso

    @property
    def offers_reset(self) -> bool:
        """The Login tab offers Reset: MFA is asked of the user (a factor set up, or set-up demanded)."""
        return self.status in (Status.CONFIGURED, Status.FORCED)


def decide(snapshot: PolicyInput) -> Decision:
    """Return what the user must do now and the status shown to support."""
    # The firm's identity provider is in charge, whatever firmid knows.
    if snapshot.sso and not snapshot.support_agent:
        return Decision(Action.SSO, Status.MANAGED_BY_SSO)
    forced_by = _forced_by(snapshot)
    # A configured factor is always asked for: lowering a level never removes it.
    if snapshot.has_factor:
        return Decision(Action.VERIFY, Status.CONFIGURED, forced_by)
    if forced_by:
        return Decision(Action.ENROLL_REQUIRED, Status.FORCED, forced_by)
    # Suggested, or Mandatory from a date not reached yet: offered, with Activate later.
    if snapshot.level is MfaLevel.SUGGESTED or snapshot.level is MfaLevel.MANDATORY:
        return Decision(Action.ENROLL_OPTIONAL, Status.SUGGESTED)
    return Decision(Action.NONE, Status.NOT_OFFERED)


def _forced_by(snapshot: PolicyInput) -> frozenset[ForcedBy]:
    key = (
        snapshot.level is MfaLevel.MANDATORY and not snapshot.rollout_pending,
        snapshot.individually_activated,
        snapshot.support_agent,
        snapshot.has_disallowed_factor and not snapshot.has_factor,
    )
    return _FORCED_BY[key]


def _reasons(by_level: bool, by_activation: bool, agent: bool, by_method: bool) -> frozenset[ForcedBy]:
    # Support agents hold every firm's keys: they always use MFA.
    holds = {
        ForcedBy.FIRM_LEVEL: by_level,
        ForcedBy.INDIVIDUAL_ACTIVATION: by_activation,
        ForcedBy.SUPPORT_AGENT: agent,
        ForcedBy.METHOD_NOT_ALLOWED: by_method,
    }
    return frozenset(reason for reason, held in holds.items() if held)


# Every sign-in step decides: the sixteen possible answers are made once.
_FORCED_BY = {key: _reasons(*key) for key in itertools.product((False, True), repeat=4)}
