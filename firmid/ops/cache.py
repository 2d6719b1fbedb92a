"""The shared cache: in the database (Django's table and rows, one statement per write), or Redis.

Django's DatabaseCache counts the whole table, then runs SELECT and INSERT or UPDATE in a
transaction on every set, add and touch: five round trips on PostgreSQL, four times per
rate that allauth's rate limiter checks. On PostgreSQL and SQLite each write here is one
statement, atomic on its own (an upsert for set and add), so concurrent adds of one key
have exactly one winner, and the table is counted only when culling, on about one write
in `OPTIONS["CULL_EVERY"]`. The rows are encoded and dated as Django's backend does, so
`createcachetable` makes the table and either class reads what the other wrote.

With Redis, every wait is bounded and a Redis that does not answer raises CacheUnavailable
(a 503, firmid/ops/outages.py), noted once per outage, never a 500 or an unbounded wait.
"""

from __future__ import annotations

import base64
import logging
import pickle
import random
from datetime import UTC, datetime
from typing import Any

import redis
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.timezone import now as tz_now
from redis.backoff import NoBackoff
from redis.retry import Retry

from firmid.ops import outages

logger = logging.getLogger("firmid.ops")

UPSERT_VENDORS = frozenset({"postgresql", "sqlite"})


# seam: _base_set, _cull, _table and _max_entries are Django's private API (firmid/core/seams/django.py).
class DatabaseCache(DjangoDatabaseCache):
    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        self._cull_every = int(params.get("OPTIONS", {}).get("CULL_EVERY", 200))
        if self._cull_every < 1:
            raise ImproperlyConfigured("CACHES OPTIONS CULL_EVERY must be 1 or more")

    def _base_set(self, mode: str, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> bool:
        """Write in one statement whose row count says whether it took effect."""
        connection = connections[router.db_for_write(self.cache_model_class)]
        if connection.vendor not in UPSERT_VENDORS:
            return super()._base_set(mode, key, value, timeout)
        now = tz_now().replace(microsecond=0)
        if random.randrange(self._cull_every) == 0:  # noqa: S311 - when to cull, no secret
            self._cull_quietly(connection, now)
        adapt = connection.ops.adapt_datetimefield_value
        expires = adapt(self._expiry(timeout))
        with connection.cursor() as cursor:
            if mode == "touch":
                cursor.execute(self._sql(connection, mode), [expires, key, adapt(now)])
            else:
                params = [key, self._encode(value), expires] + ([adapt(now)] if mode == "add" else [])
                cursor.execute(self._sql(connection, mode), params)
            return cursor.rowcount > 0

    def _sql(self, connection: BaseDatabaseWrapper, mode: str) -> str:
        """Touch only a live key; add replaces only an expired one; set always writes."""
        q = connection.ops.quote_name
        table, key, value, expires = q(self._table), q("cache_key"), q("value"), q("expires")
        if mode == "touch":
            return f"UPDATE {table} SET {expires} = %s WHERE {key} = %s AND {expires} >= %s"
        sql = (
            f"INSERT INTO {table} ({key}, {value}, {expires}) VALUES (%s, %s, %s) "
            f"ON CONFLICT ({key}) DO UPDATE SET {value} = EXCLUDED.{value}, {expires} = EXCLUDED.{expires}"
        )
        return f"{sql} WHERE {table}.{expires} < %s" if mode == "add" else sql

    def _expiry(self, timeout: Any) -> datetime:
        """Date the row as Django's backend does: None never expires, 0 or less already has."""
        seconds = self.get_backend_timeout(timeout)
        if seconds is None:
            return datetime.max.replace(microsecond=0)
        tz = UTC if settings.USE_TZ else None
        return datetime.fromtimestamp(seconds, tz=tz).replace(microsecond=0)

    def _encode(self, value: Any) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    def _cull_quietly(self, connection: BaseDatabaseWrapper, now: datetime) -> None:
        """Delete expired rows, then enforce MAX_ENTRIES as Django does; never fail the write.

        Two culls at once may deadlock on PostgreSQL: the loser is rolled back and the next
        cull does the work. A database that is down fails the write that follows instead.
        """
        table = connection.ops.quote_name(self._table)
        expires = connection.ops.quote_name("expires")
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {table} WHERE {expires} < %s",
                    [connection.ops.adapt_datetimefield_value(now)],
                )
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                count = cursor.fetchone()[0]
                if count > self._max_entries:
                    self._cull(connection.alias, cursor, now, count)
        except DatabaseError:
            logger.warning("cache cull failed", exc_info=True)


# Loopback or a LAN answers in milliseconds: a Redis that takes seconds is down. One retry,
# at once, on a refused or broken connection (a pooled connection after a Redis restart);
# a timeout is not retried, so a request waits at most about connect + read timeouts.
REDIS_DEFAULT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "retry": Retry(NoBackoff(), 1, supported_errors=(redis.exceptions.ConnectionError,)),
}


class _ReportingRedis(redis.Redis):
    """A Redis client whose lost connection is CacheUnavailable, noted at the start and end of an outage."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        try:
            result = super().execute_command(*args, **options)
        except outages.REDIS_ERRORS as error:
            outages.note_unavailable(store=outages.CACHE, error=error)
            raise outages.CacheUnavailable(f"Redis does not answer ({type(error).__name__})") from error
        outages.note_available(store=outages.CACHE)
        return result


# seam: Django's private _client and _class (firmid/core/seams/django.py).
class _RedisClient(RedisCacheClient):
    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._client = _ReportingRedis


class RedisCache(DjangoRedisCache):
    """Django's Redis cache, with bounded waits and a Redis that does not answer reported as such."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = {**REDIS_DEFAULT_OPTIONS, **params.get("OPTIONS", {})}
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = _RedisClient

    def server(self) -> redis.Redis:
        """The client of the server that takes writes (for its INFO: firmid/ops/checks.py)."""
        return self._cache.get_client(write=True)
