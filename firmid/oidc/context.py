"""How the user authenticated in this session, as OpenID Connect tells it (amr, acr, auth_time)."""

from __future__ import annotations

from typing import TypedDict

from django.http import HttpRequest

from firmid.core.seams.allauth import get_authentication_records
from firmid.mfa.registry import amr_of, factors
from firmid.signin.adapter import SIGNED_IN_AT

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


def _amr_of(record: dict) -> str | None:
    method = record.get("method")
    if method == "password":
        return "pwd"
    if method == "mfa":
        return amr_of(record.get("type", ""))
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
