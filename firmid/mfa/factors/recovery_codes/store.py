"""The stored set of recovery codes: one allauth `Authenticator` row of type "recovery_codes".

Its `data` holds SHA-256 digests only (codes.py says why that is enough):
    {"format": "firmid-sha256", "unused": [...], "used": [...], "version": n, "migrated_codes": []}
`version` grows at every change, so spending a code is a compare-and-set on it (one UPDATE
whose row count says who won), on PostgreSQL and SQLite alike.

allauth's own recovery-code pages and flows are never served (the type is not in
MFA_SUPPORTED_TYPES) and firmid's forms never hand the row to allauth's reader. Should
anything of allauth's read it anyway (`Authenticator.wrap()`), `migrated_codes: []` is its
"codes carried over from another system" list, empty: allauth then sees no code at all and
accepts none, rather than failing on a missing seed or deriving codes of its own.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db import transaction

from firmid.core import clock
from firmid.mfa.factors.recovery_codes import codes

KIND = Authenticator.Type.RECOVERY_CODES.value
FORMAT = "firmid-sha256"
# How often a spend re-reads the row after losing a compare-and-set to another change.
_RETRIES = 5


def stored_data(*, digests: list[str], version: int) -> dict:
    return {"format": FORMAT, "unused": digests, "used": [], "version": version, "migrated_codes": []}


def user_set(*, user_id: int) -> Authenticator | None:
    """Return the user's stored set of recovery codes, or None."""
    return Authenticator.objects.filter(user_id=user_id, type=KIND).first()


def unused_count(row: Authenticator | None) -> int:
    return len(row.data.get("unused", [])) if row is not None else 0


def knows(row: Authenticator, code: str) -> str | None:
    """Return "unused" or "used" if `code` (parsed) belongs to the set, else None."""
    code_digest = codes.digest(code)
    for state in ("unused", "used"):
        if codes.find(code_digest, list(row.data.get(state, []))) is not None:
            return state
    return None


def spend(*, authenticator_id: int, user_id: int, code_digest: str) -> int | None:
    """Mark a code used in one compare-and-set UPDATE; return how many are left, None if it was not unused.

    Two uses of one code at once: one UPDATE matches the version both read, the other re-reads
    and finds the code used. A regeneration meanwhile likewise leaves the old code unknown.
    """
    for _ in range(_RETRIES):
        row = Authenticator.objects.filter(pk=authenticator_id, user_id=user_id, type=KIND).first()
        if row is None:
            return None
        unused = list(row.data.get("unused", []))
        index = codes.find(code_digest, unused)
        if index is None:
            return None
        del unused[index]
        data = {**row.data, "unused": unused, "used": [*row.data.get("used", []), code_digest]}
        data["version"] = row.data["version"] + 1
        won = Authenticator.objects.filter(pk=row.pk, data__version=row.data["version"]).update(
            data=data, last_used_at=clock.now()
        )
        if won:
            return len(unused)
    return None


@transaction.atomic
def replace(*, user_id: int, digests: list[str]) -> tuple[Authenticator, bool]:
    """Store a new set in place of any old one, in one change; return the row and whether it replaced a set."""
    row = Authenticator.objects.select_for_update().filter(user_id=user_id, type=KIND).first()
    if row is None:
        return Authenticator.objects.create(
            user_id=user_id, type=KIND, data=stored_data(digests=digests, version=1)
        ), False
    row.data = stored_data(digests=digests, version=row.data.get("version", 0) + 1)
    row.created_at, row.last_used_at = clock.now(), None
    row.save(update_fields=["data", "created_at", "last_used_at"])
    return row, True
