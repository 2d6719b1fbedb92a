"""Attacks on the second factor: replay, brute force, races between workers."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from firmid.audit.models import AuditEvent
from firmid.mfa import guard
from firmid.mfa.factors.totp import guard as totp_guard
from firmid.mfa.factors.totp.auth import current_step
from firmid.mfa.factors.totp.factor import verify_code
from firmid.mfa.models import MfaGuard
from firmid.mfa.verification import Outcome
from firmid.testing.codes import SECRET, code_now, wrong_code
from firmid.testing.concurrency import race

MAX = 5


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    settings.FIRMID_MFA_MAX_FAILURES = MAX
    settings.FIRMID_MFA_LOCK_SECONDS = 60
    settings.FIRMID_MFA_LOCK_MAX_SECONDS = 3600


def verify(user, code: str) -> Outcome:
    return verify_code(user=user, secret=SECRET, raw_code=code, request=None, purpose="mfa_sign_in")


def test_totp_code_accepted_once_then_replay_is_refused(make_user, frozen_clock) -> None:
    user = make_user()
    code = code_now(SECRET)
    assert verify(user, code) is Outcome.ACCEPTED
    assert verify(user, code) is Outcome.REPLAYED
    frozen_clock.advance(20)  # still inside the ±1 step window
    assert verify(user, code) is Outcome.REPLAYED


def test_padded_code_cannot_replay_a_used_code(make_user, frozen_clock) -> None:
    user = make_user()
    code = code_now(SECRET)
    assert verify(user, code) is Outcome.ACCEPTED
    assert verify(user, f" {code} ") is Outcome.REPLAYED
    assert verify(user, f"0{code}") is Outcome.MALFORMED


def test_code_of_an_older_step_is_refused_after_a_newer_one(make_user, frozen_clock) -> None:
    user = make_user()
    older, newer = code_now(SECRET, -1), code_now(SECRET, 0)
    assert verify(user, newer) is Outcome.ACCEPTED
    assert verify(user, older) is Outcome.REPLAYED


def test_next_step_code_is_accepted_after_current_one(make_user, frozen_clock) -> None:
    user = make_user()
    assert verify(user, code_now(SECRET)) is Outcome.ACCEPTED
    frozen_clock.advance(30)
    assert verify(user, code_now(SECRET)) is Outcome.ACCEPTED
    assert MfaGuard.objects.get(user=user).last_totp_step == current_step()


def test_malformed_code_costs_no_attempt(make_user, frozen_clock) -> None:
    user = make_user()
    for _ in range(MAX * 3):
        assert verify(user, "12 34 56") is Outcome.MALFORMED
    assert verify(user, code_now(SECRET)) is Outcome.ACCEPTED


def test_brute_force_locks_after_max_failures_and_refuses_the_right_code(make_user, frozen_clock) -> None:
    user = make_user()
    bad = wrong_code()
    outcomes = [verify(user, bad) for _ in range(MAX)]
    assert outcomes == [Outcome.REFUSED] * (MAX - 1) + [Outcome.LOCKED]
    assert verify(user, code_now(SECRET)) is Outcome.LOCKED
    assert Outcome.LOCKED.message == verify(user, bad).message


def test_attempts_during_a_lock_add_nothing(make_user, frozen_clock) -> None:
    user = make_user()
    bad = wrong_code()
    for _ in range(MAX):
        verify(user, bad)
    before = MfaGuard.objects.get(user=user)
    for _ in range(20):
        verify(user, bad)
    after = MfaGuard.objects.get(user=user)
    assert (after.failures, after.consecutive_failures, after.lock_count, after.locked_until) == (
        before.failures,
        before.consecutive_failures,
        before.lock_count,
        before.locked_until,
    )


def test_lock_ends_then_backs_off_twice_as_long(make_user, frozen_clock) -> None:
    user = make_user()
    bad = wrong_code()
    for _ in range(MAX):
        verify(user, bad)
    frozen_clock.advance(61)
    for _ in range(MAX):
        assert verify(user, bad) in (Outcome.REFUSED, Outcome.LOCKED)
    frozen_clock.advance(61)
    assert guard.is_locked(user_id=user.pk)  # the second lock lasts 120 s
    frozen_clock.advance(60)
    assert verify(user, code_now(SECRET)) is Outcome.ACCEPTED
    assert MfaGuard.objects.get(user=user).lock_count == 0


def test_hundred_consecutive_failures_lock_until_support_resets(make_user, frozen_clock, settings) -> None:
    settings.FIRMID_MFA_LOCK_MAX_SECONDS = 60
    user = make_user()
    bad = wrong_code()
    for _ in range(guard.HARD_LIMIT // MAX):
        for _ in range(MAX):
            verify(user, bad)
        frozen_clock.advance(61)
    assert MfaGuard.objects.get(user=user).consecutive_failures == guard.HARD_LIMIT
    frozen_clock.advance(10_000)
    assert verify(user, code_now(SECRET)) is Outcome.LOCKED
    guard.clear(user_id=user.pk)
    assert verify(user, code_now(SECRET)) is Outcome.ACCEPTED


def test_failures_and_lock_are_audited_without_the_code(make_user, frozen_clock) -> None:
    user = make_user()
    bad = wrong_code()
    for _ in range(MAX + 1):
        verify(user, bad)
    events = AuditEvent.objects.filter(subject=user, action="mfa_sign_in")
    assert Counter(events.values_list("outcome", flat=True)) == {"failure": MAX, "locked": 1}
    assert events.filter(detail="account locked").count() == 1
    assert not any(bad in str(value) for e in events for value in e.__dict__.values())


@pytest.mark.django_db(transaction=True)
def test_same_code_raced_on_eight_connections_is_accepted_exactly_once(make_user) -> None:
    user = make_user()
    guard.reserve_attempt(user_id=user.pk)  # the guard row exists before the race, as after enrolment
    guard.clear(user_id=user.pk)
    code = code_now(SECRET)
    outcomes = race(8, lambda: verify(user, code))
    assert Counter(outcomes)[Outcome.ACCEPTED] == 1


@pytest.mark.django_db(transaction=True)
def test_first_code_raced_before_any_guard_row_exists_is_accepted_exactly_once(make_user) -> None:
    user = make_user()
    assert not MfaGuard.objects.filter(user=user).exists()
    code = code_now(SECRET)
    outcomes = race(4, lambda: verify(user, code))
    # The row is created by one request and found by the others, which then take their slots.
    assert Counter(outcomes) == {Outcome.ACCEPTED: 1, Outcome.REPLAYED: 3}
    assert MfaGuard.objects.count() == 1


def test_a_right_code_is_one_update_that_claims_the_step_and_clears_failures(make_user) -> None:
    user = make_user()
    assert verify(user, wrong_code()) is Outcome.REFUSED
    with CaptureQueriesContext(connection) as queries:
        assert totp_guard.claim_step_and_reset(user_id=user.pk, step=current_step())
    assert len(queries) == 1
    row = MfaGuard.objects.get(user=user)
    assert (row.failures, row.consecutive_failures, row.last_totp_step) == (0, 0, current_step())


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_are_evaluated_exactly_max_times(make_user) -> None:
    user = make_user()
    bad = wrong_code()
    outcomes = race(20, lambda: verify(user, bad))
    assert len(outcomes) == 20
    evaluated = AuditEvent.objects.filter(subject=user, action="mfa_sign_in", outcome="failure").count()
    assert evaluated == MAX
    assert MfaGuard.objects.get(user=user).lock_count == 1
    assert Counter(outcomes)[Outcome.ACCEPTED] == 0
