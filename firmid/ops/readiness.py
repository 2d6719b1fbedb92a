"""What /readyz proves: this node can serve a sign-in now, or it says which part cannot and why.

Each check is small and bounded in time; its reason is plain and never holds a secret.
- database: answers, and accepts a write the server makes on every sign-in (a session row,
  inserted and rolled back): a read-only database or a hot standby fails here.
- cache: a random key is written and read back.
- clock: this node's clock is within FIRMID_MAX_CLOCK_SKEW_SECONDS of the database's, the
  one clock every node shares; locks, code and session expiry are compared across nodes.
- encryption_keys: the configured keys decrypt the TOTP secrets the database holds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.utils.crypto import get_random_string

from firmid.core import clock
from firmid.ops.app_settings import ops_settings
from firmid.ops.checks import redis_security_problem
from firmid.ops.metrics import CLOCK_SKEW
from firmid.ops.store_errors import is_read_only

logger = logging.getLogger("firmid.ops")

# A probe must answer before the load balancer gives up on it (typically 2-5 s).
STATEMENT_TIMEOUT_MS = 2000


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str = ""


# Checks of what the database holds, registered by the apps that own it (firmid.mfa registers
# "encryption_keys" in its AppConfig.ready): ops is infrastructure and imports no domain app.
# Each returns why the data cannot be served, or None.
_data_checks: dict[str, Callable[[], str | None]] = {}


def register_data_check(name: str, problem: Callable[[], str | None]) -> None:
    """Add a readiness check of stored data: `problem()` says what is wrong, or None."""
    _data_checks[name] = problem


def readiness_checks() -> list[Check]:
    """Run every readiness check; the database's first, since the others read it."""
    database = database_check()
    checks = [database, cache_check()]
    if database.ok:
        checks += [clock_check(), *(data_check(name) for name in _data_checks)]
    else:
        checks += [
            Check("clock", False, "not measured: the database is unavailable"),
            *(Check(name, False, "not checked: the database is unavailable") for name in _data_checks),
        ]
    return checks


def database_check() -> Check:
    """Check that the database answers and accepts a write (rolled back, so nothing is kept)."""
    try:
        with transaction.atomic():
            _limit_statement_time()
            Session.objects.create(
                session_key=f"readyz-{get_random_string(24)}",
                session_data="",
                expire_date=clock.now(),
            )
            transaction.set_rollback(True)
    except Exception as error:  # noqa: BLE001 — whatever the driver raises, this node is not ready
        if is_read_only(error):
            return Check("database", False, "the database is read-only: it refuses the writes a sign-in makes")
        return Check("database", False, f"the database does not answer ({type(error).__name__})")
    return Check("database", True)


def _limit_statement_time() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")


def cache_check() -> Check:
    """Check that the shared cache stores and returns a random value."""
    key, value = f"firmid:readyz:{get_random_string(12)}", get_random_string(12)
    try:
        cache.set(key, value, 10)
        answered = cache.get(key)
        cache.delete(key)
        problem = redis_security_problem()  # a Redis that would forget or evict attempt counters
    except Exception as error:  # noqa: BLE001 — any backend's failure means "not ready"
        return Check("cache", False, f"the cache does not answer ({type(error).__name__})")
    if answered != value:
        return Check("cache", False, "the cache does not return what was stored in it")
    if problem:
        return Check("cache", False, problem)
    return Check("cache", True)


def clock_check() -> Check:
    """Check that this node's clock agrees with the database's within the configured bound."""
    try:
        skew = measure_clock_skew()
    except DatabaseError as error:
        return Check("clock", False, f"not measured: the database does not answer ({type(error).__name__})")
    bound = ops_settings.MAX_CLOCK_SKEW_SECONDS
    if abs(skew) > bound:
        side = "ahead of" if skew > 0 else "behind"
        return Check(
            "clock",
            False,
            f"this node's clock is {abs(skew):.1f} s {side} the database's (allowed: {bound} s): "
            "locks, codes and sessions would expire at the wrong time; synchronise it (NTP/chrony)",
        )
    return Check("clock", True)


def data_check(name: str) -> Check:
    """Run the registered check of stored data called `name`."""
    try:
        problem = _data_checks[name]()
    except DatabaseError as error:
        return Check(name, False, f"not checked: the database does not answer ({type(error).__name__})")
    return Check(name, problem is None, problem or "")


# The last skew measured by this process, for /metrics and for a log line when it changes side.
_skew_lock = threading.Lock()
_skewed = False


def measure_clock_skew() -> float:
    """Measure this node's clock minus the database's, in seconds; publish it as a gauge."""
    global _skewed
    before = clock.timestamp()
    started = time.monotonic()
    database = clock.database_timestamp()
    # The database read its clock somewhere in the round trip: compare with the middle.
    skew = before + (time.monotonic() - started) / 2 - database
    CLOCK_SKEW.set(skew)
    skewed = abs(skew) > ops_settings.MAX_CLOCK_SKEW_SECONDS
    with _skew_lock:
        changed, _skewed = skewed != _skewed, skewed
    if changed and skewed:
        logger.error("clock skew out of bounds", extra={"skew_seconds": round(skew, 3)})
    elif changed:
        logger.warning("clock skew back within bounds", extra={"skew_seconds": round(skew, 3)})
    return skew
