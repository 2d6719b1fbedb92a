"""How the user authenticated in this session, as OpenID Connect tells it (amr, acr, auth_time)."""

from __future__ import annotations

from typing import TypedDict

from allauth.account.internal.flows.login import get_authentication_records
from django.http import HttpRequest

from firmid.accounts.adapter import SIGNED_IN_AT

ACR_MFA = "urn:firmid:acr:mfa"
ACR_PASSWORD = "urn:firmid:acr:pwd"
ACR_VALUES = [ACR_PASSWORD, ACR_MFA]

# RFC 8176 values; "fed" names a sign-in through the firm's identity provider.
_AMR_OF_FACTOR = {"totp": "otp", "webauthn": "hwk", "recovery_codes": "otp"}
SECOND_FACTORS = {"otp", "hwk"}


class AuthContext(TypedDict):
    auth_time: float
    amr: list[str]
    acr: str


def _amr_of(record: dict) -> str | None:
    method = record.get("method")
    if method == "password":
        return "pwd"
    if method == "mfa":
        return _AMR_OF_FACTOR.get(record.get("type", ""))
    if method == "socialaccount":
        return "fed"
    return None


def session_auth_context(request: HttpRequest) -> AuthContext:
    """Return what the signed-in user of `request` really used in this session."""
    amr: list[str] = []
    for record in get_authentication_records(request, request.user):
        value = _amr_of(record)
        if value and value not in amr:
            amr.append(value)
    strong = bool(SECOND_FACTORS.intersection(amr))
    if strong and "pwd" in amr:
        amr.append("mfa")
    return AuthContext(
        auth_time=float(request.session.get(SIGNED_IN_AT, 0)),
        amr=amr,
        acr=ACR_MFA if strong else ACR_PASSWORD,
    )
