"""A rollout as a user meets it: the day their firm's Mandatory level starts for their type, while still ahead."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from firmid.core import clock
from firmid.mfa.levels.selectors import user_mfa_options
from firmid.policy import MfaLevel

if TYPE_CHECKING:
    from firmid.accounts.models import User


def user_rollout_deadline(*, user: User) -> datetime | None:
    """When MFA becomes required of `user` by a rollout not reached yet (the set-up page tells it), else None."""
    options = user_mfa_options(user=user)
    if options.level is not MfaLevel.MANDATORY or options.mandatory_from is None:
        return None
    return options.mandatory_from if options.mandatory_from > clock.now() else None
