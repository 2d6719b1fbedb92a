"""The ID token's amr and acr: what the session's authentication records say was used (RFC 8176)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from firmid.core.seams.allauth import record_authentication
from firmid.oidc.context import ACR_MFA, ACR_PASSWORD, session_auth_context

PASSWORD = {"method": "password"}
APP = {"method": "mfa", "type": "totp", "id": 1}
KEY = {"method": "mfa", "type": "webauthn", "id": 2}
KEY_VERIFIED = {**KEY, "user_verified": True}
PASSKEY_ALONE = {**KEY_VERIFIED, "passwordless": True}


@pytest.mark.parametrize(
    ("records", "amr", "acr"),
    [
        ([PASSWORD], ["pwd"], ACR_PASSWORD),
        ([PASSWORD, APP], ["pwd", "otp", "mfa"], ACR_MFA),
        ([PASSWORD, KEY], ["pwd", "hwk", "mfa"], ACR_MFA),
        ([PASSWORD, KEY_VERIFIED], ["pwd", "hwk", "user", "mfa"], ACR_MFA),
        ([PASSKEY_ALONE], ["hwk", "user", "mfa"], ACR_MFA),
    ],
    ids=["password", "password+app", "password+key", "password+key-with-uv", "passkey-alone"],
)
def test_amr_names_what_was_used(records: list[dict], amr: list[str], acr: str) -> None:
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = get_user_model()(pk=7)
    for record in records:
        record_authentication(request, request.user, **record)
    context = session_auth_context(request)
    assert (context["amr"], context["acr"]) == (amr, acr)
