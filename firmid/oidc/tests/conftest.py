"""Fixtures of the provider's tests: a registered application and a PKCE pair."""

from __future__ import annotations

import base64
import hashlib
import secrets

import pytest

from firmid.oidc.services import application_register

REDIRECT = "http://127.0.0.1:9999/callback"


@pytest.fixture
def registration(db):  # noqa: ANN001, ANN201
    return application_register(
        actor=None, name="Documents", home_url="http://127.0.0.1:9999/", redirect_uris=[REDIRECT],
    )


@pytest.fixture
def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge
