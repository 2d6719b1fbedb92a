"""An attempt the server could not check is not a failed attempt (issue 12, item 3).

The password step and the code step count attempts before checking them (so that parallel
guesses cannot pass the limit). A store failing midway must give the attempt back: else a
database outage locks people out once it is over. A password checked and refused stays
counted, whatever fails after the verdict.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.db import OperationalError

from firmid.accounts.models import Role
from firmid.audit import receivers
from firmid.audit.models import AuditEvent
from firmid.mfa import guard
from firmid.mfa.factors.totp import guard as totp_guard
from firmid.mfa.factors.totp.factor import verify_code
from firmid.mfa.models import MfaGuard
from firmid.mfa.verification import Outcome
from firmid.signin import backends
from firmid.testing.codes import SECRET, code_now, wrong_code
from firmid.testing.signin import HOME, sign_in

# More than both of allauth's limits on failed passwords: 10/m per address, 5/5m per account.
OUTAGE_ATTEMPTS = 11


@pytest.fixture
def carol(make_user):
    return make_user(role=Role.STANDARD_CLIENT, email="carol@example.test")


@pytest.fixture
def committed_cache() -> Iterator[None]:
    """Rate-limit rows a transactional test commits are not flushed with the models' tables."""
    cache.clear()
    yield
    cache.clear()


def _database_lost(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def test_password_attempts_answered_503_in_a_database_outage_do_not_lock_the_account(
    client,
    carol,
    password,
    monkeypatch,
) -> None:
    failed_signals: list[dict] = []

    def on_failed(sender, credentials, **kwargs) -> None:
        failed_signals.append(credentials)

    user_login_failed.connect(on_failed)
    client.raise_request_exception = False
    try:
        with monkeypatch.context() as outage:
            outage.setattr(backends, "user_by_address", _database_lost)
            for _ in range(OUTAGE_ATTEMPTS):
                response = sign_in(client, carol.email, password)
                assert response.status_code == 503 and response["Retry-After"] == "5"
    finally:
        user_login_failed.disconnect(on_failed)
    assert failed_signals == []
    assert not AuditEvent.objects.filter(action="sign_in_password", outcome="failure").exists()

    # The database is back: the right password signs in at once.
    assert sign_in(client, carol.email, password).url == HOME


# Not in a test transaction: the trigger's refusal must fail only its own statement, as in production.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fault", ["database lost", "audit table refusing rows"])
def test_wrong_password_whose_audit_row_fails_still_counts(
    client,
    carol,
    password,
    monkeypatch,
    failing_audit,
    committed_cache,
    fault: str,
) -> None:
    """The verdict was reached: a failure writing it down must not make guesses free."""
    client.raise_request_exception = False
    with ExitStack() as outage:
        if fault == "database lost":
            outage.enter_context(monkeypatch.context()).setattr(receivers, "audit_record", _database_lost)
        else:
            outage.enter_context(failing_audit("sign_in_password"))
        for _ in range(5):
            assert sign_in(client, carol.email, "a wrong password").status_code == 503
    response = sign_in(client, carol.email, password)
    assert response.status_code == 200 and "Too many" in response.content.decode()


def test_allauth_still_counts_before_checking_and_gives_back_through_its_hook() -> None:
    # AccountAdapter.authenticate relies on this private hook of allauth's adapter.
    assert callable(DefaultAccountAdapter._rollback_login_failed_rl_usage)


@pytest.mark.parametrize("failing", ["claim_step_and_reset", "record_failure"])
def test_database_error_while_checking_a_code_is_not_a_wrong_code(
    make_user,
    settings,
    monkeypatch,
    failing: str,
) -> None:
    settings.FIRMID_MFA_MAX_FAILURES = 5
    user = make_user()
    with monkeypatch.context() as outage:
        outage.setattr(totp_guard if failing == "claim_step_and_reset" else guard, failing, _database_lost)
        for _ in range(settings.FIRMID_MFA_MAX_FAILURES + 1):
            code = code_now(SECRET) if failing == "claim_step_and_reset" else wrong_code()
            with pytest.raises(OperationalError):
                verify_code(user=user, secret=SECRET, raw_code=code, request=None, purpose="mfa_sign_in")
    row = MfaGuard.objects.filter(user=user).first()
    assert row is None or (row.failures, row.consecutive_failures, row.locked_until) == (0, 0, None)
    assert not AuditEvent.objects.filter(action="mfa_sign_in").exists()
    # The database is back: the right code is accepted at once.
    outcome = verify_code(user=user, secret=SECRET, raw_code=code_now(SECRET), request=None, purpose="mfa_sign_in")
    assert outcome is Outcome.ACCEPTED
