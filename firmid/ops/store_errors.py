"""Which errors mean "a store firmid needs cannot serve right now" (a 503), not a bug (a 500).

One place, so that the 500 handler, the session engine and the middleware agree: an
unreachable database, and a database that refuses writes (a read-only replica after a
failover, `default_transaction_read_only`, a read-only SQLite file). A read-only database
is not a fault of the request: it gets the same 503 with Retry-After as a lost one.
"""

from __future__ import annotations

import sqlite3

from django.db import DatabaseError, InterfaceError, OperationalError

# SQLSTATE 25006, read_only_sql_transaction: PostgreSQL's answer to a write in a read-only
# transaction or on a hot standby (psycopg raises ReadOnlySqlTransaction, Django wraps it
# in django.db.InternalError).
READ_ONLY_SQLSTATE = "25006"
# SQLite's texts for the same refusal (read-only file or `PRAGMA query_only`); Django wraps
# them in OperationalError, which is already "unavailable", but they are named for clarity.
_SQLITE_READ_ONLY = ("attempt to write a readonly database", "attempt to write a read-only database")


def is_read_only(exc: BaseException) -> bool:
    """Say whether `exc` is the database refusing a write because it is read-only."""
    for error in _chain(exc):
        if (
            getattr(error, "sqlstate", None) == READ_ONLY_SQLSTATE
            or getattr(error, "pgcode", None) == READ_ONLY_SQLSTATE
        ):
            return True
        if isinstance(error, DatabaseError | sqlite3.Error) and any(t in str(error).lower() for t in _SQLITE_READ_ONLY):
            return True
    return False


def is_store_unavailable(exc: BaseException) -> bool:
    """Say whether `exc` means the database cannot serve (lost or read-only): answer 503, not 500."""
    return isinstance(exc, OperationalError | InterfaceError) or is_read_only(exc)


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and its causes (Django keeps the driver's error as __cause__)."""
    seen: list[BaseException] = []
    error: BaseException | None = exc
    while error is not None and error not in seen and len(seen) < 5:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen
