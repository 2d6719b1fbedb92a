"""The TOTP factor's replay state in the shared guard row: the last time step spent."""

from __future__ import annotations

from django.db.models import Q

from firmid.mfa import guard

# The state a reset of the user's MFA forgets.
CLEARED = {"last_totp_step": -1}


def claim_step_and_reset(*, user_id: int, step: int) -> bool:
    """A right code: record `step` as used and forget past failures and locks, in one UPDATE.

    False (and nothing changed) if the step, or a later one, was used already: a replay.
    """
    return guard.spend_and_reset(user_id=user_id, unspent=Q(last_totp_step__lt=step), spent={"last_totp_step": step})
