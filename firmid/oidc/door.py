"""The authorization door: who gets a code now, decided over a frozen set of facts.

It is to the provider what `firmid.policy.decision` is to MFA: pure Python, no Django. The
authorization view checks the request first (oauthlib, `request_checks`), gathers these
facts, and acts on the verdict; the rules and their order live here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Both are answered with the sign-in page: select_account is where an account is chosen.
SIGN_IN_AGAIN = frozenset({"login", "select_account"})


class Hint(StrEnum):
    """What the request's id_token_hint says of the session (OIDC Core 3.1.2.1)."""

    ABSENT = "absent"
    FOREIGN = "foreign"  # not an ID token firmid issued to this client
    SIGNED_IN_USER = "signed_in_user"
    ANOTHER_USER = "another_user"  # names someone other than the signed-in user (or nobody is signed in)


class Outcome(StrEnum):
    """What the authorization view does next."""

    PROCEED = "proceed"  # DOT answers: the code
    SIGN_IN = "sign_in"  # nobody is signed in: the sign-in page, then back here
    SIGN_IN_AGAIN = "sign_in_again"  # sign out, then sign in afresh; `consumed` leaves the return URL
    ENROL = "enrol"  # sign out: the sign-in asks for the set-up the policy requires, then back here
    VERIFY_FACTOR = "verify_factor"  # step up with the user's second factor, then back here
    SET_UP_FACTOR = "set_up_factor"  # step up by setting a second factor up, then back here
    UPSTREAM_MFA = "upstream_mfa"  # step up at the firm's identity provider, then back here
    REFUSE = "refuse"  # an error response to the client's redirect_uri


@dataclass(frozen=True)
class DoorFacts:
    """A frozen snapshot of everything the door depends on; the user's are read if signed in."""

    signed_in: bool
    prompt: frozenset[str] = frozenset()
    hint: Hint = Hint.ABSENT
    max_age: int | None = None
    seconds_since_sign_in: float = 0.0
    admitted: bool = False  # the application is open to the user's type
    must_enrol: bool = False  # the MFA policy requires a set-up first
    asks_for_code: bool = False  # the MFA policy asks the user for their second factor
    federated: bool = False  # the firm's identity provider is in charge of the user's MFA
    application_requires_mfa: bool = False
    acr_values_ask_mfa: bool = False
    session_has_mfa: bool = False  # a second factor was used in this session

    @property
    def too_old(self) -> bool:
        return self.max_age is not None and self.seconds_since_sign_in > self.max_age

    @property
    def needs_mfa(self) -> bool:
        return self.application_requires_mfa or self.acr_values_ask_mfa


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    error: str | None = None  # the OAuth error code of REFUSE
    description: str | None = None  # its error_description; None sends none
    consumed: str | None = None  # the parameter SIGN_IN_AGAIN satisfies


PROCEED = Verdict(Outcome.PROCEED)
SIGN_IN = Verdict(Outcome.SIGN_IN)
ENROL = Verdict(Outcome.ENROL)
VERIFY_FACTOR = Verdict(Outcome.VERIFY_FACTOR)
SET_UP_FACTOR = Verdict(Outcome.SET_UP_FACTOR)
UPSTREAM_MFA = Verdict(Outcome.UPSTREAM_MFA)
FOREIGN_HINT = Verdict(
    Outcome.REFUSE, "invalid_request", "id_token_hint is not an ID token firmid issued to this client."
)
# DOT's answer to an anonymous prompt=none, kept as it was: no description.
NOBODY_SIGNED_IN = Verdict(Outcome.REFUSE, "login_required")
TOO_OLD = Verdict(Outcome.REFUSE, "login_required", "The authentication is older than max_age.")
NOT_THE_HINTED_USER = Verdict(
    Outcome.REFUSE, "login_required", "The user signed in is not the one id_token_hint names."
)
NOT_ADMITTED = Verdict(Outcome.REFUSE, "access_denied", "This application is not open to your account.")
MFA_NEEDS_INTERACTION = Verdict(Outcome.REFUSE, "interaction_required", "This application requires MFA.")


def _sign_in_again(consumed: str) -> Verdict:
    return Verdict(Outcome.SIGN_IN_AGAIN, consumed=consumed)


def door_verdict(facts: DoorFacts) -> Verdict:
    """Return what the authorization endpoint does with a valid request, given its facts."""
    if facts.hint is Hint.FOREIGN:  # a bad request: refused before anyone signs in
        return FOREIGN_HINT
    if facts.prompt & SIGN_IN_AGAIN:
        return _sign_in_again("prompt")
    if not facts.signed_in:
        return NOBODY_SIGNED_IN if "none" in facts.prompt else SIGN_IN
    return _session_verdict(facts) or _policy_verdict(facts)


def _session_verdict(facts: DoorFacts) -> Verdict | None:
    """Is the session the one asked for? OIDC Core 3.1.2.1: no sign-in page under prompt=none."""
    silent = "none" in facts.prompt
    if facts.too_old:
        return TOO_OLD if silent else _sign_in_again("max_age")
    if facts.hint is Hint.ANOTHER_USER:
        return NOT_THE_HINTED_USER if silent else _sign_in_again("id_token_hint")
    return None


def _policy_verdict(facts: DoorFacts) -> Verdict:
    """May this user have a code from this application, with this session's factors?"""
    if not facts.admitted:
        return NOT_ADMITTED
    if facts.must_enrol:
        return ENROL
    if not facts.needs_mfa or facts.session_has_mfa:
        return PROCEED
    if "none" in facts.prompt:
        return MFA_NEEDS_INTERACTION
    if facts.federated:
        return UPSTREAM_MFA
    return VERIFY_FACTOR if facts.asks_for_code else SET_UP_FACTOR
