"""The shared, atomic guard on second-factor attempts: replay and failure limits.

Every change is a conditional UPDATE whose row count says who won, so the guarantees
hold across workers and processes sharing the database.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q

from firmid.core import clock
from firmid.mfa.models import MfaGuard

# NIST SP 800-63B: no more than 100 consecutive failures, whatever the back-off.
HARD_LIMIT = 100


def _guard(user_id: int) -> MfaGuard:
    guard, _ = MfaGuard.objects.get_or_create(user_id=user_id)
    return guard


def _open(user_id: int):  # noqa: ANN202
    now = clock.now()
    return MfaGuard.objects.filter(user_id=user_id).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    )


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
    return _updated_once(user_id, lambda: _open(user_id).filter(
        failures__lt=settings.FIRMID_MFA_MAX_FAILURES, consecutive_failures__lt=HARD_LIMIT
    ).update(failures=F("failures") + 1, consecutive_failures=F("consecutive_failures") + 1))


def record_failure(*, user_id: int) -> bool:
    """Lock the account if the failure used the last slot; True if this call locked it."""
    guard = _guard(user_id)
    if guard.failures < settings.FIRMID_MFA_MAX_FAILURES:
        return False
    seconds = min(
        settings.FIRMID_MFA_LOCK_SECONDS * 2**guard.lock_count, settings.FIRMID_MFA_LOCK_MAX_SECONDS
    )
    locked = MfaGuard.objects.filter(
        user_id=user_id,
        failures__gte=settings.FIRMID_MFA_MAX_FAILURES,
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


def claim_step_and_reset(*, user_id: int, step: int) -> bool:
    """A right code: record `step` as used and forget past failures and locks, in one UPDATE.

    False (and nothing changed) if the step, or a later one, was used already: a replay.
    """
    return _updated_once(user_id, lambda: MfaGuard.objects.filter(user_id=user_id, last_totp_step__lt=step).update(
        last_totp_step=step, failures=0, consecutive_failures=0, lock_count=0, locked_until=None
    ))


def clear(*, user_id: int) -> None:
    """Forget failures and locks (support's MFA reset)."""
    MfaGuard.objects.filter(user_id=user_id).update(
        failures=0, consecutive_failures=0, lock_count=0, locked_until=None, last_totp_step=-1
    )
