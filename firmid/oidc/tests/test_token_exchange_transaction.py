"""A code's exchange is one transaction: cut anywhere, it leaves the code unused and no token behind.

A crash is simulated in-process by making one step of the exchange raise once (the
worker dies there); a real SIGKILL in that window is the fault suite's (tests/faults/).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from oauth2_provider.models import get_access_token_model, get_id_token_model, get_refresh_token_model

from firmid.oidc.validators import FirmidValidator, Grant
from firmid.testing.audit import inserts_paused
from firmid.testing.concurrency import race
from firmid.testing.oidc import (
    REDIRECT,
    TOKEN,
    USERINFO,
    auth_request,
    basic,
    code_of,
    exchange,
    oauth_error,
    refresh,
    tokens_ok,
)
from firmid.testing.signin import sign_in

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
IDToken = get_id_token_model()


class WorkerDied(Exception):
    """Stands for the worker being killed at that point."""


def fresh_code(client: Client, registration, user, password: str):
    """Sign `user` in and return (code, PKCE verifier) of a new authorization request."""
    request = auth_request(registration, scope="openid profile email")
    sign_in(client, user.email, password, request.url)
    return code_of(client.get(request.url), request), request.verifier


def exchange_as_server_sees_it(registration, code: str, verifier: str):
    """The exchange, answered with the server's error page when it fails, as a real client gets it."""
    return Client(raise_request_exception=False).post(
        TOKEN,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier},
        HTTP_AUTHORIZATION=basic(registration.application.client_id, registration.client_secret),
    )


def die_once(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """Make FirmidValidator.`method` fail at its first call only, after doing its work."""
    original = getattr(FirmidValidator, method)
    calls = []

    def dying(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        calls.append(method)
        if len(calls) == 1:
            raise WorkerDied(method)
        return result

    monkeypatch.setattr(FirmidValidator, method, dying)


def nothing_issued() -> bool:
    return not (AccessToken.objects.exists() or RefreshToken.objects.exists() or IDToken.objects.exists())


@pytest.mark.parametrize("window", ["_create_access_token", "_create_refresh_token", "invalidate_authorization_code"])
def test_code_exchange_cut_after_the_code_was_consumed_leaves_the_code_usable(
    client, alice, password, registration, monkeypatch, window: str
) -> None:
    code, verifier = fresh_code(client, registration, alice, password)
    die_once(monkeypatch, window)
    cut = exchange_as_server_sees_it(registration, code, verifier)
    assert cut.status_code >= 500
    assert Grant.objects.get(code=code).consumed_at is None
    assert nothing_issued()
    # The application retries with the same code: it gets its tokens.
    tokens = tokens_ok(exchange(registration, code, verifier))
    assert Client().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 200
    assert AccessToken.objects.count() == 1 and RefreshToken.objects.count() == 1


def test_every_issued_token_is_linked_to_its_code(client, alice, password, registration) -> None:
    code, verifier = fresh_code(client, registration, alice, password)
    tokens_ok(exchange(registration, code, verifier))
    grant = Grant.objects.get(code=code)
    assert grant.consumed_at is not None
    assert grant.issued_access_token_id == AccessToken.objects.get().pk
    assert grant.issued_token_family == RefreshToken.objects.get().token_family


def test_code_reused_after_a_cut_first_exchange_revokes_the_retry_s_tokens(
    client, alice, password, registration, monkeypatch
) -> None:
    code, verifier = fresh_code(client, registration, alice, password)
    die_once(monkeypatch, "invalidate_authorization_code")
    exchange_as_server_sees_it(registration, code, verifier)
    tokens = tokens_ok(exchange(registration, code, verifier))
    assert oauth_error(exchange(registration, code, verifier)) == "invalid_grant"
    assert Client().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 401
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_refresh_cut_after_the_new_tokens_were_made_leaves_the_old_refresh_token_usable(
    client, alice, password, registration, monkeypatch
) -> None:
    code, verifier = fresh_code(client, registration, alice, password)
    first = tokens_ok(exchange(registration, code, verifier))
    die_once(monkeypatch, "_create_refresh_token")
    cut = Client(raise_request_exception=False).post(
        TOKEN,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        HTTP_AUTHORIZATION=basic(registration.application.client_id, registration.client_secret),
    )
    assert cut.status_code >= 500
    # Not a reuse: the rotation did not happen, so the retry rotates normally.
    tokens_ok(refresh(registration, first["refresh_token"]))
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_code_exchanged_at_once_by_four_clients_issues_one_set_then_revokes_it(
    alice, password, registration
) -> None:
    code, verifier = fresh_code(Client(), registration, alice, password)
    statuses = race(4, lambda: exchange(registration, code, verifier).status_code)
    assert sorted(statuses) == [200, 400, 400, 400]
    # Each loser waited for the winner to commit, saw the code consumed and revoked its tokens.
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()
    assert RefreshToken.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_code_consumed_by_an_exchange_held_before_its_tokens_is_unconsumed_to_everyone_else(
    alice, password, registration
) -> None:
    # PostgreSQL holds the access token's insert: the exchange is in the window where a
    # worker killed would, before, have left the code burnt. Nothing of it is visible yet.
    if connection.vendor != "postgresql":
        pytest.skip("pg_sleep in a trigger: PostgreSQL only")
    code, verifier = fresh_code(Client(), registration, alice, password)
    answers: list[int] = []
    with inserts_paused(table=AccessToken._meta.db_table, seconds=1.5) as held:
        exchanging = threading.Thread(target=lambda: _in_thread(answers, registration, code, verifier))
        exchanging.start()
        assert held(10)
        assert Grant.objects.get(code=code).consumed_at is None
        assert not IDToken.objects.exists()
        exchanging.join()
    assert answers == [200]
    assert Grant.objects.get(code=code).consumed_at is not None and AccessToken.objects.count() == 1


def _in_thread(answers: list[int], registration, code: str, verifier: str) -> None:
    try:
        answers.append(exchange(registration, code, verifier).status_code)
    finally:
        connections.close_all()
