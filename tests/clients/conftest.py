"""A live firmid for real client libraries: its issuer is the live server's URL.

pytest-django's live server runs firmid in a thread of this process on a loopback port;
its settings are this process's, so the issuer (FIRMID_ISSUER and DOT's
OIDC_ISS_ENDPOINT, which DOT reloads on setting_changed) is set to the server's URL for
the test. The relying party's redirect URI is on a loopback port this test holds and
never serves: the libraries get the callback URL from tests/clients/browserless.py.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from oauth2_provider.settings import oauth2_settings

from firmid.oidc.services import application_register


@dataclass(frozen=True)
class RelyingParty:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str


@pytest.fixture
def issuer(live_server, settings, transactional_db) -> str:
    # 127.0.0.1 rather than localhost: the server listens on IPv4, and Node may try ::1 first.
    url = live_server.url.replace("://localhost:", "://127.0.0.1:")
    settings.FIRMID_ISSUER = url
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": url}
    assert oauth2_settings.OIDC_ISS_ENDPOINT == url  # DOT reloaded its settings
    return url


@pytest.fixture
def callback_port() -> Iterator[int]:
    """A loopback port held (bound, never listening) by the test for the redirect URI."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@pytest.fixture
def relying_party(issuer: str, callback_port: int) -> RelyingParty:
    redirect_uri = f"http://127.0.0.1:{callback_port}/callback"
    registration = application_register(
        actor=None,
        name="Client library test",
        home_url=f"http://127.0.0.1:{callback_port}/",
        redirect_uris=[redirect_uri],
    )
    return RelyingParty(issuer, registration.application.client_id, registration.client_secret, redirect_uri)
