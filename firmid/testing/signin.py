"""The one sign-in helper of the tests, over Django's test client: password, code, enrolment, next URL.

sign_in() goes through allauth's views and firmid's stages as a user does; sign_in_as()
skips the password (force_login) and leaves the session as the real sign-in leaves it.
"""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.test import Client

from firmid.accounts.models import User
from firmid.core import clock
from firmid.signin.adapter import SIGNED_IN_AT
from firmid.testing.codes import code_now

LOGIN = "/accounts/login/"
ENROL = "/accounts/security/enrol/"
MFA = "/accounts/2fa/authenticate/"
HOME = "/my-account/"
# A first factor set up during sign-in: its recovery codes, shown once (firmid.signin.recovery_stage).
RECOVERY_CODES = "/accounts/security/recovery-codes/"


def sign_in(
    client: Client,
    email: str,
    password: str,
    next_url: str | None = None,
    *,
    totp_secret: str | None = None,
    **headers: str,
) -> HttpResponse:
    """Post the sign-in form (with `next_url`); with `totp_secret`, then the code page's current code.

    `headers` go with the password step (HTTP_HOST=…). Returns the last response: the
    password step's, or the code step's.
    """
    data = {"login": email, "password": password}
    if next_url:
        data["next"] = next_url
    response = client.post(LOGIN, data, **headers)
    if totp_secret is None:
        return response
    return client.post(MFA, {"code": code_now(totp_secret)})


def enrol(client: Client, email: str, password: str) -> str:
    """Sign in, set an authenticator app up at the enrolment step, land on My account; return its secret."""
    sign_in(client, email, password)
    secret = shown_key(client.get(ENROL))
    response = past_recovery_codes(client, client.post(ENROL, {"code": code_now(secret)}))
    assert response.status_code == 302
    assert response.url == HOME
    return secret


def past_recovery_codes(client: Client, response: HttpResponse) -> HttpResponse:
    """If `response` leads to the new recovery codes of a first factor, look at them and go on; return the next response."""
    if response.status_code != 302 or response.url != RECOVERY_CODES:
        return response
    client.get(RECOVERY_CODES)
    return client.post(RECOVERY_CODES, {"continue": "1"})


def shown_recovery_codes(response: HttpResponse) -> list[str]:
    """The recovery codes a page shows (once)."""
    listed = re.search(r'id="recovery-codes"[^>]*>(.*?)</ol>', response.content.decode(), flags=re.S)
    return re.findall(r"<li>([0-9A-Z-]+)</li>", listed.group(1)) if listed else []


def shown_key(response: HttpResponse) -> str:
    """The authenticator key an enrolment page shows."""
    return re.search(r'id="totp-key">([A-Z2-7]+)<', response.content.decode()).group(1)


def sign_in_as(client: Client, user: User, *, backend: str | None = None) -> Client:
    """Sign `user` in as the real sign-in leaves them (force_login skips allauth's adapter)."""
    client.force_login(user, backend=backend)
    session = client.session
    session[SIGNED_IN_AT] = clock.timestamp()
    session.save()
    return client
