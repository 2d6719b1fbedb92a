"""A store that cannot serve: a 503 with Retry-After, fail closed, logged once (issue 12, items 4 and 5).

The Redis tests start a real redis-server on a loopback port and stop it mid-test.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError
from django.test import RequestFactory

from firmid.accounts.models import Role
from firmid.ops import outages
from firmid.ops.checks import check_redis_keeps_security_state, redis_security_problem, verify_redis_at_start
from firmid.ops.outages import CACHE, DATABASE, UNAVAILABLE, CacheUnavailable, server_error
from firmid.signin import backends
from firmid.testing.signin import HOME, sign_in

pytestmark = pytest.mark.django_db

REDIS_SERVER = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (scripts/with-services --redis)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throw-away redis-server on loopback: started, stopped, paused and restarted by the test."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, *config: str) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--maxmemory-policy",
                "noeviction",
                *config,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.resume()
        server.stop()


@pytest.fixture
def redis_cache(redis_server: RedisServer, settings) -> RedisServer:
    """Redis as the default cache, where allauth keeps the rate limits, as under REDIS_URL."""
    settings.CACHES = {
        "default": {"BACKEND": "firmid.ops.cache.RedisCache", "LOCATION": redis_server.url, "KEY_PREFIX": "firmid"},
    }
    return redis_server


@pytest.fixture
def carol(make_user):
    return make_user(role=Role.STANDARD_CLIENT, email="carol@example.test")


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """The passwords the backend checked."""
    checked: list[str] = []
    original = backends.AuthenticationBackend.authenticate

    def counted(self, request, **credentials):
        checked.append(credentials.get("email") or credentials.get("username"))
        return original(self, request, **credentials)

    monkeypatch.setattr(backends.AuthenticationBackend, "authenticate", counted)
    return checked


@pytest.fixture(autouse=True)
def _no_outage_left() -> Iterator[None]:
    outages._outages.clear()
    yield
    outages._outages.clear()


def _unavailable(store: str) -> float:
    return UNAVAILABLE.labels(store)._value.get()


@needs_redis
def test_stopped_redis_makes_the_password_step_503_not_500_and_checks_no_password(
    client,
    carol,
    password,
    redis_cache,
    password_checks,
    caplog,
) -> None:
    client.raise_request_exception = False
    assert sign_in(client, carol.email, password).url == HOME
    client.logout()
    password_checks.clear()
    refused_before = _unavailable(CACHE)

    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="firmid.ops"):
        for _ in range(3):
            response = sign_in(client, carol.email, password)
            assert response.status_code == 503 and response["Retry-After"] == "5"
            assert response["Content-Type"].startswith("text/html") and "no-store" in response["Cache-Control"]
            assert "try again" in response.content.decode()
        # Fail closed: no password was checked without its rate limit.
        assert password_checks == []
        # Logged once for the outage, not once per request (nor by Django); counted per request.
        assert [r.getMessage() for r in caplog.records if r.name == "firmid.ops"] == [
            "cache unavailable: answering 503"
        ]
        assert not [r for r in caplog.records if r.name == "django.request"]
        assert _unavailable(CACHE) - refused_before == 3

        redis_cache.start()
        assert sign_in(client, carol.email, password).url == HOME
    messages = [r.getMessage() for r in caplog.records if r.name == "firmid.ops"]
    assert messages == ["cache unavailable: answering 503", "cache available again"]


@needs_redis
def test_hung_redis_is_a_503_within_seconds(client, carol, password, redis_cache) -> None:
    client.raise_request_exception = False
    redis_cache.pause()
    started = time.monotonic()
    response = sign_in(client, carol.email, password)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert time.monotonic() - started < 5
    redis_cache.resume()
    assert sign_in(client, carol.email, password).url == HOME


@needs_redis
def test_full_redis_is_a_503_not_a_500(client, carol, password, redis_cache, password_checks) -> None:
    """noeviction refuses writes when memory is full: the attempt cannot be counted, so it is not checked."""
    client.raise_request_exception = False
    admin = redis.Redis(host="127.0.0.1", port=redis_cache.port)
    admin.config_set("maxmemory", "1")
    response = sign_in(client, carol.email, password)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert password_checks == []
    admin.config_set("maxmemory", "0")
    assert sign_in(client, carol.email, password).url == HOME


@needs_redis
def test_database_outage_with_redis_as_cache_does_not_lock_anyone_out(
    client,
    carol,
    password,
    redis_cache,
    monkeypatch,
) -> None:
    """Production's shape: Redis keeps counting while PostgreSQL is gone; the attempts are given back."""

    def database_lost(**kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    client.raise_request_exception = False
    with monkeypatch.context() as outage:
        outage.setattr(backends, "user_by_address", database_lost)
        for _ in range(11):  # more than 10/m per address and 5/5m per account
            assert sign_in(client, carol.email, password).status_code == 503
    assert sign_in(client, carol.email, password).url == HOME


def test_database_cache_failing_is_a_database_outage_and_checks_no_password(
    client,
    carol,
    password,
    settings,
    password_checks,
    monkeypatch,
) -> None:
    from firmid.ops.cache import DatabaseCache

    settings.CACHES = {"default": {"BACKEND": "firmid.ops.cache.DatabaseCache", "LOCATION": "firmid_cache"}}

    def database_lost(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    client.raise_request_exception = False
    with monkeypatch.context() as outage:
        outage.setattr(DatabaseCache, "add", database_lost)
        response = sign_in(client, carol.email, password)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert password_checks == []
    assert sign_in(client, carol.email, password).url == HOME


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/accounts/login/", "text/html", "Temporarily unavailable"),
        ("/api/v1/firms/", "application/json", '"code": "unavailable"'),
        ("/oauth/token/", "application/json", '"error": "temporarily_unavailable"'),
    ],
)
@pytest.mark.parametrize(
    "error",
    [
        CacheUnavailable("Redis does not answer (ConnectionError)"),
        redis.exceptions.ConnectionError("Connection refused"),
        OperationalError("server closed the connection unexpectedly"),
    ],
)
def test_every_store_outage_gets_one_answer_by_kind_of_client(
    path: str, content_type: str, body: str, error: Exception
) -> None:
    request = RequestFactory().post(path)
    try:
        raise error
    except Exception:  # noqa: BLE001 — the handler reads the error being handled, as Django calls it
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response["Content-Type"].startswith(content_type) and "no-store" in response["Cache-Control"]
    assert body in response.content.decode().replace('":"', '": "')


def test_a_bug_stays_a_500() -> None:
    try:
        raise RuntimeError("bug")
    except RuntimeError:
        response = server_error(RequestFactory().get("/my-account/"))
    assert response.status_code == 500


def test_a_database_outage_is_logged_at_its_start_and_when_a_connection_is_made_again(caplog) -> None:
    from django.db import connection
    from django.db.backends.signals import connection_created

    with caplog.at_level(logging.WARNING, logger="firmid.ops"):
        for _ in range(5):
            outages.note_unavailable(store=DATABASE, error=OperationalError("gone"))
        for _ in range(2):  # Django connected again: the database answers
            connection_created.send(sender=type(connection), connection=connection)
    assert [r.getMessage() for r in caplog.records if r.name == "firmid.ops"] == [
        "database unavailable: answering 503",
        "database available again",
    ]


@needs_redis
def test_redis_that_forgets_or_evicts_is_refused_by_the_system_check(redis_cache) -> None:
    assert redis_security_problem() is None
    assert check_redis_keeps_security_state(None) == []

    admin = redis.Redis(host="127.0.0.1", port=redis_cache.port)
    admin.config_set("appendonly", "no")
    admin.config_set("maxmemory-policy", "allkeys-lru")
    problem = redis_security_problem()
    assert "appendonly yes" in problem and "maxmemory-policy noeviction" in problem
    assert [e.id for e in check_redis_keeps_security_state(None)] == ["firmid.E030"]

    admin.config_set("appendonly", "yes")
    admin.config_set("maxmemory-policy", "volatile-ttl")  # every rate-limit key has a TTL: evictable
    assert "maxmemory-policy noeviction" in redis_security_problem()

    with pytest.raises(ImproperlyConfigured, match="maxmemory-policy noeviction"):
        verify_redis_at_start()

    redis_cache.stop()
    assert [e.id for e in check_redis_keeps_security_state(None)] == ["firmid.W031"]
    verify_redis_at_start()  # not answering yet: /readyz says so, the start is not refused


def test_no_redis_no_redis_check(settings) -> None:
    settings.CACHES = {"default": {"BACKEND": "firmid.ops.cache.DatabaseCache", "LOCATION": "firmid_cache"}}
    assert "Redis" not in type(caches["default"]).__name__
    assert redis_security_problem() is None and check_redis_keeps_security_state(None) == []
