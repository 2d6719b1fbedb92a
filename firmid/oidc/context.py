"""How the user authenticated in this session, as OpenID Connect tells it (amr, acr, auth_time)."""

from __future__ import annotations

from typing import TypedDict

from django.http import HttpRequest

from firmid.core.seams.allauth import get_authentication_records
from firmid.mfa.registry import amr_of, factors
from firmid.mfa.trust import TRUSTED_BROWSER_METHOD
from firmid.signin.adapter import SIGNED_IN_AT
from firmid.signin.federation import FEDERATED_METHOD

ACR_MFA = "urn:firmid:acr:mfa"
ACR_PASSWORD = "urn:firmid:acr:pwd"  # noqa: S105 - an acr value
ACR_VALUES = [ACR_PASSWORD, ACR_MFA]

# RFC 8176 values: each factor names its own (firmid.mfa.registry); "fed" names a sign-in
# through the firm's identity provider.
SECOND_FACTORS = frozenset(f.amr for f in factors())


class AuthContext(TypedDict):
    auth_time: float
    amr: list[str]
    acr: str


def _amr_of(record: dict) -> list[str]:
    method = record.get("method")
    if method == "password":
        return ["pwd"]
    if method == "mfa":
        value = amr_of(record.get("type", ""))
        # A key that verified its user (PIN, biometrics) adds "user" (RFC 8176).
        return [value, *(["user"] if record.get("user_verified") else [])] if value else []
    if method == TRUSTED_BROWSER_METHOD:
        # A browser trusted after a factor stands for this sign-in's second factor: "mfa", but
        # no factor's own value ("otp", "hwk"), since none was used in this sign-in.
        return ["mfa"]
    return []


def _federated_amr(record: dict) -> list[str]:
    """A sign-in through the firm's provider: "fed", what the provider reported, and "mfa" if it did MFA."""
    return ["fed", *record.get("amr", []), *(["mfa"] if record.get("mfa") else [])]


def session_auth_context(request: HttpRequest) -> AuthContext:
    """Return what the signed-in user of `request` really used in this session."""
    records = get_authentication_records(request, request.user)
    own = [value for record in records for value in _amr_of(record)]
    federated = [record for record in records if record.get("method") == FEDERATED_METHOD]
    strong = bool(SECOND_FACTORS.intersection(own)) or "mfa" in own or any(record.get("mfa") for record in federated)
    # Two factors: a password and a second factor, or a passkey that verified its user (no password).
    if SECOND_FACTORS.intersection(own) and ("pwd" in own or "user" in own):
        own.append("mfa")
    amr = list(dict.fromkeys([*own, *(value for record in federated for value in _federated_amr(record))]))
    return AuthContext(
        auth_time=float(request.session.get(SIGNED_IN_AT, 0)),
        amr=amr,
        acr=ACR_MFA if strong else ACR_PASSWORD,
    )
