"""The shared, atomic guard on second-factor attempts: failure limits and locks, one per account.

Every factor shares this counter; each factor keeps its own replay state in the same row
(`factors/<kind>/guard.py`), spent in the same UPDATE that forgets the failures.

Every change is a conditional UPDATE whose row count says who won, so the guarantees
hold across workers and processes sharing the database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta

from django.db.models import F, Q

from firmid.core import clock
from firmid.mfa.app_settings import mfa_settings
from firmid.mfa.models import MfaGuard

# NIST SP 800-63B: no more than 100 consecutive failures, whatever the back-off.
HARD_LIMIT = 100


def _guard(user_id: int) -> MfaGuard:
    guard, _ = MfaGuard.objects.get_or_create(user_id=user_id)
    return guard


def _open(user_id: int):  # noqa: ANN202
    now = clock.now()
    return MfaGuard.objects.filter(user_id=user_id).filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))


def _updated_once(user_id: int, update) -> bool:  # noqa: ANN001
    """Run a conditional UPDATE of the user's guard row, creating the row first if it is missing.

    The UPDATE is tried first (the row exists for anyone who ever entered a code), so the
    common case is one statement; only when nothing matched is the row's existence checked.
    """
    if update() == 1:
        return True
    _guard(user_id)
    return update() == 1


def reserve_attempt(*, user_id: int) -> bool:
    """Take one attempt slot before checking a code; False while the account is locked."""
    return _updated_once(
        user_id,
        lambda: (
            _open(user_id)
            .filter(failures__lt=mfa_settings.MFA_MAX_FAILURES, consecutive_failures__lt=HARD_LIMIT)
            .update(failures=F("failures") + 1, consecutive_failures=F("consecutive_failures") + 1)
        ),
    )


def record_failure(*, user_id: int) -> bool:
    """Lock the account if the failure used the last slot; True if this call locked it."""
    guard = _guard(user_id)
    if guard.failures < mfa_settings.MFA_MAX_FAILURES:
        return False
    seconds = min(mfa_settings.MFA_LOCK_SECONDS * 2**guard.lock_count, mfa_settings.MFA_LOCK_MAX_SECONDS)
    locked = MfaGuard.objects.filter(
        user_id=user_id,
        failures__gte=mfa_settings.MFA_MAX_FAILURES,
        lock_count=guard.lock_count,
    ).update(
        failures=0,
        lock_count=F("lock_count") + 1,
        locked_until=clock.now() + timedelta(seconds=seconds),
    )
    return locked == 1


def is_locked(*, user_id: int) -> bool:
    guard = _guard(user_id)
    return not _open(user_id).exists() or guard.consecutive_failures >= HARD_LIMIT


def lock_seconds_left(*, user_id: int) -> float:
    """How long the account's lock lasts still: 0 when open, infinity when only support can lift it."""
    guard = MfaGuard.objects.filter(user_id=user_id).only("consecutive_failures", "locked_until").first()
    if guard is None:
        return 0.0
    if guard.consecutive_failures >= HARD_LIMIT:
        return math.inf
    if guard.locked_until is None:
        return 0.0
    return max(0.0, (guard.locked_until - clock.now()).total_seconds())


# What a right answer forgets: past failures and locks.
_COUNTERS_RESET = {"failures": 0, "consecutive_failures": 0, "lock_count": 0, "locked_until": None}


def spend_and_reset(*, user_id: int, unspent: Q, spent: Mapping[str, object]) -> bool:
    """A right answer: record it as `spent` and forget past failures and locks, in one UPDATE.

    False (and nothing changed) unless the row matches `unspent`: the answer was used already.
    """
    return _updated_once(
        user_id, lambda: MfaGuard.objects.filter(unspent, user_id=user_id).update(**spent, **_COUNTERS_RESET)
    )


def clear(*, user_id: int, factor_state: Mapping[str, object] | None = None) -> None:
    """Forget failures and locks, and the factors' `factor_state` (support's MFA reset), in one UPDATE."""
    MfaGuard.objects.filter(user_id=user_id).update(**_COUNTERS_RESET, **(factor_state or {}))
