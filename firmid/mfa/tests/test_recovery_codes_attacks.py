"""Attacks on recovery codes: double spend in a race, brute force sharing the TOTP lockout."""

from __future__ import annotations

from collections import Counter

import pytest

from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.mfa import guard
from firmid.mfa.factors.recovery_codes import codes, flows
from firmid.mfa.factors.totp.factor import verify_code
from firmid.mfa.verification import Outcome
from firmid.testing.codes import SECRET, code_now, wrong_code
from firmid.testing.concurrency import race

MAX = 5
SIGN_IN = AuditAction.MFA_SIGN_IN


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    settings.FIRMID_MFA_MAX_FAILURES = MAX
    settings.FIRMID_MFA_LOCK_SECONDS = 60
    settings.FIRMID_MFA_LOCK_MAX_SECONDS = 3600


def use(user, code: str) -> Outcome:
    return flows.use_recovery_code(user=user, raw_code=code, request=None, purpose=SIGN_IN).outcome


def totp(user, code: str) -> Outcome:
    return verify_code(user=user, secret=SECRET, raw_code=code, request=None, purpose=SIGN_IN)


@pytest.mark.django_db(transaction=True)
def test_recovery_code_spent_twice_at_once_is_accepted_exactly_once(make_user) -> None:
    user = make_user()
    plain = flows.recovery_codes_issue(user=user, request=None)
    guard.reserve_attempt(user_id=user.pk)  # the guard row exists, as after any earlier code
    outcomes = race(6, lambda: use(user, plain[0]))
    assert len(outcomes) == 6
    assert Counter(outcomes)[Outcome.ACCEPTED] == 1
    assert set(outcomes) <= {Outcome.ACCEPTED, Outcome.REPLAYED, Outcome.LOCKED}
    assert flows.recovery_codes_left(user=user) == codes.COUNT - 1
    assert AuditEvent.objects.filter(action=AuditAction.MFA_RECOVERY_CODE_USED, subject=user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_different_codes_spent_at_once_are_both_accepted(make_user) -> None:
    user = make_user()
    plain = flows.recovery_codes_issue(user=user, request=None)
    guard.reserve_attempt(user_id=user.pk)
    pending = iter([plain[0], plain[1]])
    outcomes = race(2, lambda: use(user, next(pending)))
    assert outcomes == [Outcome.ACCEPTED, Outcome.ACCEPTED]
    assert flows.recovery_codes_left(user=user) == codes.COUNT - 2


def test_wrong_recovery_codes_lock_the_authenticator_app_too(make_user, frozen_clock) -> None:
    user = make_user()
    flows.recovery_codes_issue(user=user, request=None)
    for _ in range(MAX - 1):
        assert use(user, codes.new_code()) is Outcome.REFUSED
    assert use(user, codes.new_code()) is Outcome.LOCKED
    # The authenticator's right code is refused with the same words while the lock lasts.
    assert totp(user, code_now(SECRET)) is Outcome.LOCKED


def test_wrong_totp_codes_lock_the_recovery_codes_too(make_user, frozen_clock) -> None:
    user = make_user()
    plain = flows.recovery_codes_issue(user=user, request=None)
    for _ in range(MAX - 1):
        assert totp(user, wrong_code()) is Outcome.REFUSED
    assert totp(user, wrong_code()) is Outcome.LOCKED
    assert use(user, plain[0]) is Outcome.LOCKED  # a right recovery code, refused: nothing learnt
    assert flows.recovery_codes_left(user=user) == codes.COUNT  # and not spent


def test_mixed_wrong_answers_count_towards_one_limit(make_user, frozen_clock) -> None:
    user = make_user()
    plain = flows.recovery_codes_issue(user=user, request=None)
    for i in range(MAX - 1):
        wrong = use(user, codes.new_code()) if i % 2 else totp(user, wrong_code())
        assert wrong is Outcome.REFUSED
    assert use(user, codes.new_code()) is Outcome.LOCKED
    frozen_clock.advance(61)  # the lock ends: the right code works again
    assert use(user, plain[0]) is Outcome.ACCEPTED


def test_a_used_code_replayed_counts_as_a_failed_attempt(make_user, frozen_clock) -> None:
    user = make_user()
    plain = flows.recovery_codes_issue(user=user, request=None)
    assert use(user, plain[0]) is Outcome.ACCEPTED
    for _ in range(MAX - 1):
        assert use(user, plain[0]) is Outcome.REPLAYED
    assert use(user, plain[0]) is Outcome.LOCKED
