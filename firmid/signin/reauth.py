"""Recent proof for sensitive changes (ASVS 7.5.1), counted from the sign-in itself.

allauth counts only an explicit re-authentication: a user who just signed in with their
code would be asked for it again seconds later to remove a factor. firmid counts the
sign-in's own steps too: a user with a factor needs a factor used within the timeout, a
user without one their password (or any step) within it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from firmid.core import clock
from firmid.core.seams.allauth import get_authentication_records
from firmid.mfa.selectors import user_mfa_decision

# Authentication records that prove a factor in the user's hands: not a remembered browser.
FACTOR_METHOD = "mfa"
NOT_A_FACTOR_PROOF = frozenset({"trusted_browser"})


def recently_proven(request: HttpRequest) -> bool:
    """Did the signed-in user prove themselves recently enough for a sensitive change?"""
    user = request.user
    if not user.is_authenticated:
        return False
    with_factor = user_mfa_decision(user=user).asks_for_existing_factor
    records = get_authentication_records(request, user)
    proofs = [r for r in records if _counts(r, with_factor=with_factor)]
    latest = max((r.get("at", 0) for r in proofs), default=0)
    return clock.timestamp() - latest < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


def _counts(record: dict, *, with_factor: bool) -> bool:
    if record.get("type") in NOT_A_FACTOR_PROOF:
        return False
    return record.get("method") == FACTOR_METHOD if with_factor else record.get("method") in {"password", "mfa"}
