"""Fixtures of the Administration application's tests: agents signed in with a configured factor."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client
from oauth2_provider.models import get_application_model

from firmid.accounts.adapter import SIGNED_IN_AT
from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.core import clock
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm

Application = get_application_model()


def configure_totp(user: User) -> str:
    """Give `user` a configured authenticator app, as enrolment would; return its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def sign_in_as(client: Client, user: User) -> None:
    """Sign `user` in as the real sign-in leaves them (force_login skips allauth's adapter)."""
    client.force_login(user)
    session = client.session
    session[SIGNED_IN_AT] = clock.timestamp()
    session.save()


def set_level(firm: Firm, user_type: UserType, level: MfaLevel) -> None:
    FirmMfaLevel.objects.update_or_create(firm=firm, user_type=user_type.value, defaults={"level": level.value})


def user_url(user: User, action: str) -> str:
    """A user's page in the Administration application: security, activate-mfa, reset-mfa…"""
    return f"/administration/users/{user.public_id}/{action}/"


def messages_of(response: HttpResponse) -> list[str]:
    """The messages a response left for the next page."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def mfa_state() -> tuple:
    """Everything a change could alter: levels, flags, factors, sessions, applications, the audit log's size."""
    return (
        sorted(FirmMfaLevel.objects.values_list("firm_id", "user_type", "level")),
        sorted(User.objects.filter(mfa_individually_activated=True).values_list("pk", flat=True)),
        sorted(Authenticator.objects.values_list("pk", flat=True)),
        sorted(User.objects.values_list("pk", "session_generation", "is_active")),
        sorted(Application.objects.values_list("pk", "name", "client_secret", "redirect_uris")),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def signed_in_agent(client: Client, make_agent) -> Callable[[int], User]:  # noqa: ANN001
    """signed_in_agent(level): a support agent of `level`, with a factor, signed in on `client`."""

    def sign_in(level: int) -> User:
        agent = make_agent(level)
        # Agents must always use MFA: without a factor the session policy would sign them out.
        configure_totp(agent)
        sign_in_as(client, agent)
        return agent

    return sign_in


@pytest.fixture
def northwind(demo) -> Firm:  # noqa: ANN001
    """Northwind Partners: its practitioners sign in through SSO (https://idp.northwind.test)."""
    return Firm.objects.get(name="Northwind Partners")


@pytest.fixture
def demo_firm(demo) -> Firm:  # noqa: ANN001
    return Firm.objects.get(name="Demo Accounting")


def demo_rp_tokens(email: str, password: str, totp_secret: str | None = None) -> dict:
    """Sign `email` in to the demo application "Documents" through the code flow; return its tokens."""
    from conftest import code_now
    from firmid.demo.data import DEMO_RP_CLIENT_ID, DEMO_RP_URL

    browser = Client()
    assert browser.post("/accounts/login/", {"login": email, "password": password}).status_code == 302
    if totp_secret:
        second = browser.post("/accounts/2fa/authenticate/", {"code": code_now(totp_secret)})
        assert second.status_code == 302, second.content
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = f"{DEMO_RP_URL}callback"
    query = urlencode({
        "response_type": "code", "client_id": DEMO_RP_CLIENT_ID, "redirect_uri": redirect_uri,
        "scope": "openid profile email", "state": "s", "nonce": "n",
        "code_challenge": challenge, "code_challenge_method": "S256",
    })
    response = browser.get(f"/oauth/authorize/?{query}")
    code = parse_qs(urlparse(response.url).query)["code"][0]
    exchange = Client().post("/oauth/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier,
        "client_id": DEMO_RP_CLIENT_ID, "client_secret": settings.FIRMID_DEMO_RP_SECRET,
    })
    assert exchange.status_code == 200, exchange.content
    return exchange.json()
