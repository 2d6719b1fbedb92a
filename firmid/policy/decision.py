from __future__ import annotations

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
    """The status support staff see on a user's Login tab."""

    NOT_OFFERED = "Not offered"
    SUGGESTED = "Suggested"
    FORCED = "Forced"
    CONFIGURED = "Configured"
    MANAGED_BY_SSO = "Managed by SSO"


@dataclass(frozen=True)
class PolicyInput:
    """A frozen snapshot of everything the decision depends on."""

    level: MfaLevel
    sso: bool
    individually_activated: bool
    has_factor: bool
    support_agent: bool = False


@dataclass(frozen=True)
class Decision:
    action: Action
    status: Status

    @property
    def must_enroll(self) -> bool:
        return self.action is Action.ENROLL_REQUIRED

    @property
    def may_enroll(self) -> bool:
        return self.action in (Action.ENROLL_OPTIONAL, Action.ENROLL_REQUIRED)


def decide(snapshot: PolicyInput) -> Decision:
    """Return what the user must do now and the status shown to support."""
    # The firm's identity provider is in charge, whatever firmid knows.
    if snapshot.sso and not snapshot.support_agent:
        return Decision(Action.SSO, Status.MANAGED_BY_SSO)
    # A configured factor is always asked for: lowering a level never removes it.
    if snapshot.has_factor:
        return Decision(Action.VERIFY, Status.CONFIGURED)
    if _is_forced(snapshot):
        return Decision(Action.ENROLL_REQUIRED, Status.FORCED)
    if snapshot.level is MfaLevel.SUGGESTED:
        return Decision(Action.ENROLL_OPTIONAL, Status.SUGGESTED)
    return Decision(Action.NONE, Status.NOT_OFFERED)


def _is_forced(snapshot: PolicyInput) -> bool:
    # Support agents hold every firm's keys: they always use MFA.
    return (
        snapshot.support_agent
        or snapshot.level is MfaLevel.MANDATORY
        or snapshot.individually_activated
    )
