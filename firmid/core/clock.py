"""The one seam through which time enters firmid: tests move this clock instead of sleeping."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> datetime:
    """Return the current UTC time."""
    return datetime.fromtimestamp(timestamp(), tz=UTC)


def timestamp() -> float:
    """Return the current Unix time in seconds."""
    return time.time()


def database_timestamp(using: str = "default") -> float:
    """Return the database server's current Unix time: the one clock every node shares.

    PostgreSQL's clock_timestamp() is the wall clock now (now() would be the start of the
    transaction); SQLite has no server, its 'now' is this machine's clock.
    """
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT EXTRACT(EPOCH FROM clock_timestamp())")
        else:
            cursor.execute("SELECT (julianday('now') - 2440587.5) * 86400.0")
        return float(cursor.fetchone()[0])
