"""A misbehaving firm provider: bad ID tokens, rotated keys, down, slow, misconfigured, or the user cancels.

The tampering issuer (firmid.testing.upstream_facade) stands in front of the real provider
(oidc-provider on loopback) and spoils what it is told to. Each failure is a page naming the
firm with a retry, within a bounded time, an audit row with the reason, and nothing created.
firmid keeps discovery and keys in its cache: a fault on them is set before its first fetch.
"""

from __future__ import annotations

import time
from urllib.parse import urljoin

import pytest
import requests
from django.test import Client

from firmid.accounts.models import Role, User
from firmid.audit.models import AuditEvent
from firmid.sso import upstream
from firmid.sso.models import SsoIdentity
from firmid.testing.federation import (
    CALLBACK,
    at_upstream,
    back_at_firmid,
    connect_northwind,
    identify,
    signed_in,
    sso_sign_in,
    to_upstream,
)
from firmid.testing.forms import post_forms
from firmid.testing.nodes.postgres import free_port
from firmid.testing.upstream import rsa_jwk

pytestmark = pytest.mark.django_db
GINA = "gina@northwind.test"
BOUND = 10.0  # seconds: a failing provider never holds the user longer


def _counts() -> tuple[int, int]:
    return User.objects.count(), SsoIdentity.objects.count()


def assert_failed(response, client: Client, *, reason: str, before: tuple[int, int], status: int = 502) -> None:
    """A page naming the firm with a retry, nobody signed in, nothing written, the reason audited."""
    page = response.content.decode()
    assert response.status_code == status, (response.status_code, page[:500])
    assert "Northwind Partners" in page and "Try again" in page
    assert "_auth_user_id" not in client.session and not signed_in(client)
    assert _counts() == before
    event = AuditEvent.objects.filter(action="sso_sign_in").order_by("-pk").first()
    assert (event.outcome, event.detail) == ("refused" if status < 500 else "failure", reason)


@pytest.fixture
def facade(tampering_issuer, make_user):
    """Northwind's practitioners connected through the tampering issuer; Gina (no TOTP) one of them."""
    connection = connect_northwind(tampering_issuer.issuer)
    make_user(role=Role.PRACTITIONER, firm=connection.firm, email=GINA)
    return tampering_issuer


@pytest.fixture
def key_set_fetches(monkeypatch) -> list[str]:
    """The upstream key sets firmid fetches (not those it finds in its cache)."""
    fetched: list[str] = []
    real = upstream._get_json

    def counting(url: str, *, what: str):
        if what == "key set":
            fetched.append(url)
        return real(url, what=what)

    monkeypatch.setattr(upstream, "_get_json", counting)
    return fetched


# --- 2. bad ID tokens and key rotation ----------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        *[
            (fault, "bad_id_token")
            for fault in ("wrong_iss", "wrong_aud", "bad_signature", "expired", "iat_future")
            + ("wrong_nonce", "no_nonce", "alg_none")
        ],
        ("token_error", "token_error"),
    ],
)
def test_a_bad_answer_of_the_token_endpoint_signs_nobody_in(client, facade, fault, reason) -> None:
    facade.fault = fault
    before = _counts()
    assert_failed(sso_sign_in(client, GINA), client, reason=reason, before=before)


def test_an_id_token_of_an_unknown_key_is_refused_after_one_refetch_of_the_keys(
    client, facade, key_set_fetches
) -> None:
    facade.fault = "unknown_kid"
    before = _counts()
    assert_failed(sso_sign_in(client, GINA), client, reason="bad_id_token", before=before)
    assert len(key_set_fetches) == 2  # the first fetch, then once more for the unknown kid: no more


def test_a_key_rotated_by_the_provider_is_fetched_and_trusted(client, facade, key_set_fetches) -> None:
    assert sso_sign_in(client, GINA).status_code == 302 and signed_in(client)
    facade.rotate()
    client.logout()
    assert sso_sign_in(client, GINA).status_code == 302 and signed_in(client)
    assert len(key_set_fetches) == 2


def test_the_real_providers_new_keys_are_trusted_after_firmid_kept_the_old_set(
    client, make_upstream_idp, make_user
) -> None:
    old = rsa_jwk("northwind-old")
    idp = make_upstream_idp(keys=[old])
    connection = connect_northwind(idp.issuer)
    make_user(role=Role.PRACTITIONER, firm=connection.firm, email=GINA)
    assert sso_sign_in(client, GINA).status_code == 302
    idp.restart(keys=[rsa_jwk("northwind-new"), old])
    client.logout()
    assert sso_sign_in(client, GINA).status_code == 302 and signed_in(client)


# --- 3. down, slow, misconfigured ---------------------------------------------------------


def _timed(call):
    started = time.monotonic()
    response = call()
    assert time.monotonic() - started < BOUND
    return response


def test_a_provider_that_is_not_there_gives_a_clear_page_at_once(client, make_user) -> None:
    connection = connect_northwind(f"http://127.0.0.1:{free_port()}")
    make_user(role=Role.PRACTITIONER, firm=connection.firm, email=GINA)
    start, before = identify(client, GINA)["Location"], _counts()
    assert_failed(_timed(lambda: client.get(start)), client, reason="unreachable", before=before)


def test_a_provider_that_stops_during_the_sign_in_gives_a_clear_page(client, make_upstream_idp, make_user) -> None:
    idp = make_upstream_idp()
    connection = connect_northwind(idp.issuer)
    make_user(role=Role.PRACTITIONER, firm=connection.firm, email=GINA)
    callback_url = at_upstream(to_upstream(client, identify(client, GINA)), GINA)
    idp.stop()
    before = _counts()
    assert_failed(_timed(lambda: back_at_firmid(client, callback_url)), client, reason="unreachable", before=before)


def test_a_slow_provider_is_given_up_on_at_the_start(client, facade, settings) -> None:
    settings.FIRMID_SSO_TIMEOUT_SECONDS = 1
    facade.fault, facade.delay = "slow", 3.0
    start, before = identify(client, GINA)["Location"], _counts()
    assert_failed(_timed(lambda: client.get(start)), client, reason="timeout", before=before)


def test_a_slow_token_endpoint_is_given_up_on_at_the_callback(client, facade, settings) -> None:
    settings.FIRMID_SSO_TIMEOUT_SECONDS = 1
    callback_url = at_upstream(to_upstream(client, identify(client, GINA)), GINA)
    facade.fault, facade.delay = "slow", 3.0
    before = _counts()
    assert_failed(_timed(lambda: back_at_firmid(client, callback_url)), client, reason="timeout", before=before)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("discovery_wrong_issuer", "wrong_issuer"),
        ("discovery_no_s256", "no_pkce_s256"),
        ("discovery_no_jwks", "no_jwks"),
    ],
)
def test_a_misconfigured_provider_is_named_at_the_start(client, facade, fault, reason) -> None:
    facade.fault = fault
    start, before = identify(client, GINA)["Location"], _counts()
    assert_failed(client.get(start), client, reason=reason, before=before)


def test_a_provider_whose_keys_cannot_be_fetched_signs_nobody_in(client, facade) -> None:
    facade.fault = "jwks_down"  # discovery answers; the keys are first needed at the callback
    before = _counts()
    assert_failed(sso_sign_in(client, GINA), client, reason="bad_jwks", before=before)


# --- 4. the user cancels at the provider --------------------------------------------------


def _cancel_at_upstream(authorize_url: str) -> str:
    """Press Cancel on the provider's sign-in page; return the redirect to firmid's callback."""
    session = requests.Session()
    response = session.get(authorize_url, allow_redirects=False, timeout=30)
    for _ in range(8):
        if response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if target.startswith(CALLBACK):
                return target
            response = session.get(target, allow_redirects=False, timeout=30)
            continue
        cancel = next(form for form in post_forms(response) if form["url"].endswith("/abort"))
        response = session.post(cancel["url"], data=cancel["fields"], allow_redirects=False, timeout=30)
    raise AssertionError(f"never back at firmid: {response.url}")


def test_a_user_who_cancels_at_the_provider_gets_a_page_and_nothing_else(client, upstream_idp, make_user) -> None:
    connection = connect_northwind(upstream_idp.issuer, create_users=True)
    before = _counts()
    callback_url = _cancel_at_upstream(to_upstream(client, identify(client, GINA)))
    response = back_at_firmid(client, callback_url)
    assert_failed(response, client, reason="upstream_error:access_denied", before=before, status=403)
    assert "End-User aborted the sign-in" in response.content.decode() and connection.create_users
