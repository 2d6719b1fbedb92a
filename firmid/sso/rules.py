"""The federation's rules, pure: did the upstream do MFA, and who may this upstream account be?

Like `firmid.policy`, no Django and no I/O: the callback gathers the facts, these functions
decide, and the tables in tests/test_rules.py hold every case.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# RFC 8176's registry: only these upstream amr values are carried into firmid's ID tokens.
REGISTERED_AMR = frozenset(
    {"face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin", "pwd", "rba", "retina", "sc", "sms",
     "swk", "tel", "user", "vbm", "wia"}
)  # fmt: skip
_KNOW = frozenset({"pwd", "pin", "kba"})
# "user" (a presence test) and "pop" are not factors of their own.
_HAVE_OR_ARE = frozenset({"otp", "hwk", "swk", "sms", "tel", "sc", "face", "fpt", "iris", "retina", "vbm"})


def carried_amr(amr: object) -> list[str]:
    """The upstream's amr values firmid repeats: registered ones, in order, once each."""
    if not isinstance(amr, list):
        return []
    return list(dict.fromkeys(value for value in amr if isinstance(value, str) and value in REGISTERED_AMR))


def upstream_did_mfa(*, amr: object, acr: object, mfa_acr: str) -> bool:
    """Whether the upstream says it used more than one factor: amr "mfa", the MFA acr, or two kinds of factor."""
    values = set(carried_amr(amr))
    if "mfa" in values or (mfa_acr and acr == mfa_acr):
        return True
    return bool(values & _KNOW) and bool(values & _HAVE_OR_ARE)


class LinkOutcome(StrEnum):
    SIGN_IN = "sign_in"  # the upstream account is linked to a user of this connection's firm and type
    LINK = "link"  # first sign-in of an existing user of the firm and type: link, then sign in
    CREATE = "create"  # first sign-in of an unknown user of a served domain: create, link, sign in
    REFUSE = "refuse"


class Refusal(StrEnum):
    """Why an upstream account may not sign in (audit reason; the page says it in words)."""

    OTHER_FIRM = "linked_to_other_firm_or_type"
    INACTIVE = "user_disabled"
    NO_EMAIL = "no_email"
    EMAIL_NOT_VERIFIED = "email_not_verified"
    EMAIL_OF_OTHER_FIRM = "email_of_other_firm_or_type"
    ALREADY_LINKED = "user_linked_to_another_upstream_account"
    UNKNOWN_USER = "unknown_user"
    NO_CLIENT_COMPANY = "no_client_company"


@dataclass(frozen=True)
class Holder:
    """A firmid user as the rules see them: in this connection's firm and type or not, and active or not."""

    same_firm_and_type: bool
    active: bool = True
    linked_to_issuer: bool = False  # already linked to another account of this issuer


@dataclass(frozen=True)
class LinkFacts:
    linked: Holder | None  # the user (issuer, sub) is linked to, if any
    by_email: Holder | None  # the user holding the asserted email, if any
    email: str
    email_verified: bool
    domain_served: bool  # the email's domain is one the connection serves
    create_users: bool
    needs_client_company: bool = False  # a client type whose connection names no client company


@dataclass(frozen=True)
class LinkVerdict:
    outcome: LinkOutcome
    refusal: Refusal | None = None


def _refuse(refusal: Refusal) -> LinkVerdict:
    return LinkVerdict(LinkOutcome.REFUSE, refusal)


def link_verdict(facts: LinkFacts) -> LinkVerdict:
    """Return who this upstream account signs in as, or why nobody: never a user of another firm or type."""
    if facts.linked is not None:
        if not facts.linked.same_firm_and_type:
            return _refuse(Refusal.OTHER_FIRM)
        return LinkVerdict(LinkOutcome.SIGN_IN) if facts.linked.active else _refuse(Refusal.INACTIVE)
    if not facts.email:
        return _refuse(Refusal.NO_EMAIL)
    if not facts.email_verified:
        return _refuse(Refusal.EMAIL_NOT_VERIFIED)
    if facts.by_email is not None:
        return _first_link(facts.by_email)
    if not (facts.domain_served and facts.create_users):
        return _refuse(Refusal.UNKNOWN_USER)
    if facts.needs_client_company:
        return _refuse(Refusal.NO_CLIENT_COMPANY)
    return LinkVerdict(LinkOutcome.CREATE)


def _first_link(holder: Holder) -> LinkVerdict:
    if not holder.same_firm_and_type:
        return _refuse(Refusal.EMAIL_OF_OTHER_FIRM)
    if holder.linked_to_issuer:
        return _refuse(Refusal.ALREADY_LINKED)
    return LinkVerdict(LinkOutcome.LINK) if holder.active else _refuse(Refusal.INACTIVE)
