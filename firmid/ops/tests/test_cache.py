"""The database cache: one statement per write, atomic adds, culling on a fraction of writes.

The backend is built here, not taken from settings, so that these tests run on it on
SQLite and on PostgreSQL alike, even where REDIS_URL makes Redis the default cache.
"""

from __future__ import annotations

import datetime
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from firmid.core.seams.allauth import ratelimit
from firmid.ops.cache import DatabaseCache
from firmid.testing.concurrency import race

TABLE = "firmid_cache"
NEVER = {"CULL_EVERY": sys.maxsize}


def make_cache(**options: Any) -> DatabaseCache:
    return DatabaseCache(TABLE, {"OPTIONS": {**NEVER, **options}})


@pytest.fixture
def backend() -> Iterator[DatabaseCache]:
    built = make_cache()
    built.clear()
    yield built
    built.clear()


def raw_expires(backend: DatabaseCache, key: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT expires FROM {TABLE} WHERE cache_key = %s", [backend.make_key(key)])
        row = cursor.fetchone()
    return row and row[0]


def row_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return cursor.fetchone()[0]


VALUES = [
    "text é",
    42,
    1.5,
    b"\x00\xff",
    [1.0, 2.0],
    {"nested": {"a": (1, 2)}},
    True,
    datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
    "x" * 100_000,
]


@pytest.mark.django_db
@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_set_then_get_returns_the_value(backend: DatabaseCache, value: Any) -> None:
    backend.set("k", value, 60)
    assert backend.get("k") == value
    backend.set("k", "replaced", 60)
    assert backend.get("k") == "replaced"


@pytest.mark.django_db
def test_rows_are_shared_with_djangos_backend(backend: DatabaseCache) -> None:
    django_cache = DjangoDatabaseCache(TABLE, {})
    django_cache.set("theirs", {"a": [1]}, 60)
    backend.set("ours", {"b": [2]}, None)
    assert backend.get("theirs") == {"a": [1]}
    assert django_cache.get("ours") == {"b": [2]}
    assert not django_cache.add("ours", "other")


@pytest.mark.django_db
def test_add_writes_a_missing_key_keeps_a_live_one_and_replaces_an_expired_one(backend: DatabaseCache) -> None:
    assert backend.add("k", "first", 60) is True
    assert backend.add("k", "second", 60) is False
    assert backend.get("k") == "first"
    backend.set("gone", "old", 0)
    assert backend.add("gone", "new", 60) is True
    assert backend.get("gone") == "new"


@pytest.mark.django_db
def test_touch_extends_a_live_key_only(backend: DatabaseCache) -> None:
    backend.set("k", "v", 60)
    assert backend.touch("k", None) is True
    assert str(raw_expires(backend, "k")).startswith("9999-12-31")
    assert backend.touch("missing", 60) is False
    backend.set("gone", "v", 0)
    assert backend.touch("gone", 60) is False
    assert backend.touch("k", 0) is True
    assert backend.get("k") is None


@pytest.mark.django_db
def test_timeout_none_never_expires_and_zero_is_already_expired(backend: DatabaseCache) -> None:
    backend.set("forever", "v", None)
    assert str(raw_expires(backend, "forever")).startswith("9999-12-31")
    assert backend.get("forever") == "v"
    backend.set("forever", "v", 0)
    assert backend.get("forever", "default") == "default"
    assert not backend.has_key("forever")


@pytest.mark.django_db
def test_reads_deletes_and_counters_still_work(backend: DatabaseCache) -> None:
    backend.set_many({"a": 1, "b": 2}, 60)
    assert backend.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    assert backend.has_key("a") and not backend.has_key("c")
    assert backend.incr("a") == 2 and backend.decr("a", 5) == -3
    assert backend.get("a") == -3
    with pytest.raises(ValueError, match="not found"):
        backend.incr("c")
    assert backend.delete("a") is True and backend.delete("a") is False
    backend.clear()
    assert backend.get("b") is None


@pytest.mark.django_db
@pytest.mark.parametrize("write", ["set", "add"])
def test_set_and_add_are_one_statement_without_a_count(backend: DatabaseCache, write: str) -> None:
    backend.set("k", "old", 0)
    with CaptureQueriesContext(connection) as queries:
        getattr(backend, write)("k", "v", 60)
    [query] = queries.captured_queries
    assert query["sql"].startswith(f"INSERT INTO {connection.ops.quote_name(TABLE)}")
    assert "ON CONFLICT" in query["sql"] and "COUNT" not in query["sql"]


@pytest.mark.django_db
def test_touch_is_one_statement(backend: DatabaseCache) -> None:
    backend.set("k", "v", 60)
    with CaptureQueriesContext(connection) as queries:
        backend.touch("k", 60)
    [query] = queries.captured_queries
    assert query["sql"].startswith("UPDATE")


@pytest.mark.django_db
def test_culling_removes_expired_rows_and_keeps_max_entries() -> None:
    culling = make_cache(CULL_EVERY=1, MAX_ENTRIES=5, CULL_FREQUENCY=2)
    culling.clear()
    culling.set("expired", "v", 0)
    culling.set("live", "v", 60)
    assert raw_expires(culling, "expired") is None
    for number in range(20):
        culling.set(f"k{number}", number, 60)
        assert row_count() <= 6
    assert culling.get("k19") == 19


def test_culling_on_no_write_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured):
        make_cache(CULL_EVERY=0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing", ["missing", "expired"])
def test_concurrent_adds_of_one_key_have_exactly_one_winner(backend: DatabaseCache, existing: str) -> None:
    for round_ in range(3):
        key = f"lock-{round_}"
        if existing == "expired":
            backend.set(key, "stale", 0)
        tokens = iter(range(8))
        lock = threading.Lock()

        def claim(lock=lock, tokens=tokens, key=key) -> tuple[bool, int]:
            with lock:
                token = next(tokens)
            return backend.add(key, token, 60), token

        outcomes = race(8, claim)
        winners = [token for won, token in outcomes if won]
        assert len(outcomes) == 8 and len(winners) == 1
        assert backend.get(key) == winners[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("options", [NEVER, {"CULL_EVERY": 1}])
def test_a_database_that_is_down_fails_the_write(monkeypatch: pytest.MonkeyPatch, options: dict) -> None:
    down = DatabaseCache(TABLE, {"OPTIONS": options})

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(connection, "cursor", broken)
    with pytest.raises(OperationalError):
        down.set("k", "v", 60)
    with pytest.raises(OperationalError):
        down.add("k", "v", 60)


@pytest.mark.django_db
def test_allauths_rate_limiter_counts_through_it() -> None:
    default = {"default": {"BACKEND": "firmid.ops.cache.DatabaseCache", "LOCATION": TABLE, "OPTIONS": NEVER}}
    with override_settings(CACHES=default):
        assert type(caches["default"]) is DatabaseCache
        cache.clear()
        request = RequestFactory().post("/accounts/login/")
        config = {"login": "3/m/ip"}

        def consume() -> ratelimit.RateLimitUsage | None:
            return ratelimit.consume(request, app="allauth.account", action="login", config=config)

        with CaptureQueriesContext(connection) as queries:
            assert all(consume() for _ in range(3))
        assert consume() is None
        sql = [query["sql"] for query in queries.captured_queries]
        assert any("ON CONFLICT" in statement for statement in sql)
        assert not any("COUNT" in statement for statement in sql)
        cache.clear()
