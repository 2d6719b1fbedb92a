"""Sign-in through a firm's identity provider, for tests: firmid by Django's test client, the provider for real.

The browser is split in two: Django's test client carries firmid's session (identify, start,
callback), and `requests` plays the user on the upstream provider's pages
(firmid.testing.upstream.upstream_sign_in), as a browser would between the two redirects.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse

import requests
from django.test import Client
from django.urls import reverse

from firmid.policy import UserType
from firmid.sso.models import SsoConnection
from firmid.tenancy.models import Firm
from firmid.tenancy.services import firm_create
from firmid.testing.factories import connect_sso
from firmid.testing.signin import LOGIN
from firmid.testing.upstream import CALLBACK_PATH, CLIENT_ID, CLIENT_SECRET, PASSWORD

CALLBACK = f"http://127.0.0.1:8000{CALLBACK_PATH}"  # FIRMID_ISSUER's in the tests' settings


def northwind(name: str = "Northwind Partners") -> Firm:
    return Firm.objects.filter(name=name).first() or firm_create(name=name)


def connect_northwind(
    issuer: str, *, firm: Firm | None = None, user_type: UserType = UserType.PRACTITIONERS, **values
) -> SsoConnection:
    """The firm's practitioners (by default) sign in through the provider at `issuer`, for northwind.test."""
    values.setdefault("email_domains", ["northwind.test"])
    return connect_sso(
        firm or northwind(), user_type, issuer=issuer, client_id=CLIENT_ID, secret=CLIENT_SECRET, **values
    )


def identify(client: Client, email: str, next_url: str = ""):
    """The sign-in page's first step: the address (and where the user was going), without a password."""
    return client.post(LOGIN, {"login": email, "next": next_url} if next_url else {"login": email})


def password_step(response) -> bool:
    """Whether the address step answered with the password step (not the way to a firm's provider)."""
    return response.status_code == 200 and 'name="password"' in response.content.decode()


def to_upstream(client: Client, start_response) -> str:
    """Follow firmid's start redirect; return the upstream authorization URL it sends the browser to."""
    assert start_response.status_code == 302, (start_response.status_code, start_response.content[:500])
    path = start_response["Location"]
    assert urlparse(path).path.startswith("/signin/sso/"), path
    response = client.get(path)
    return continue_url(response)


def continue_url(response) -> str:
    """The provider's authorization URL on firmid's "Continuing to …'s sign-in" page (the start's answer)."""
    assert response.status_code == 200, (response.status_code, response.content[:500])
    found = re.search(r'<a id="continue" href="([^"]+)"', response.content.decode())
    assert found, response.content[:500]
    return html.unescape(found.group(1))


def at_upstream(
    authorize_url: str,
    email: str,
    *,
    password: str = PASSWORD,
    totp_secret: str | None = None,
    session: requests.Session | None = None,
) -> str:
    """The user at the provider; return the callback URL it sends the browser back to."""
    from firmid.testing.upstream import upstream_sign_in

    return upstream_sign_in(
        authorize_url, email=email, password=password, totp_secret=totp_secret, stop_at=CALLBACK, session=session
    )


def back_at_firmid(client: Client, callback_url: str):
    """The browser arrives at firmid's callback with the provider's answer."""
    parts = urlparse(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def sso_sign_in(
    client: Client,
    email: str,
    *,
    next_url: str = "",
    totp_secret: str | None = None,
    session: requests.Session | None = None,
):
    """The whole round trip from the sign-in page; return firmid's answer to the callback."""
    authorize_url = to_upstream(client, identify(client, email, next_url))
    callback = at_upstream(authorize_url, email, totp_secret=totp_secret, session=session)
    return back_at_firmid(client, callback)


def signed_in(client: Client) -> bool:
    return client.get(reverse("myaccount:home")).status_code == 200
