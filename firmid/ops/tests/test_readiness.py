"""/readyz proves what serving needs; a read-only database is a 503, never a 500 (issue 12, item 6)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import InternalError, connection

from firmid.ops.store_errors import is_read_only, is_store_unavailable
from firmid.testing.signin import LOGIN, sign_in


@contextmanager
def read_only_database() -> Iterator[None]:
    """Make the database refuse every write on this connection, for real, then allow them again."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        else:
            cursor.execute("PRAGMA query_only = ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
            else:
                cursor.execute("PRAGMA query_only = OFF")


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_on_a_read_only_database_and_says_so(client) -> None:
    with read_only_database():
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "failed"
    assert "read-only" in body["reasons"]["database"]


@pytest.mark.django_db(transaction=True)
def test_password_step_on_a_read_only_database_answers_503_not_500(client, demo, password) -> None:
    client.raise_request_exception = False
    client.get(LOGIN)
    with read_only_database():
        response = sign_in(client, "alice@demo-accounting.test", password)
    assert response.status_code == 503 and response["Retry-After"] == "5"


@pytest.mark.django_db
def test_readyz_lists_every_check_when_ready(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "reasons": {},
        "checks": {"database": "ok", "cache": "ok", "clock": "ok", "encryption_keys": "ok"},
    }


@pytest.mark.django_db
def test_readyz_is_503_when_the_cache_does_not_answer(client, monkeypatch) -> None:
    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(cache, "set", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reasons"] == {"cache": "the cache does not answer (ConnectionError)"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_cache_loses_what_it_was_given(client, monkeypatch) -> None:
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["cache"] == "failed"


@pytest.mark.django_db
def test_readyz_writes_nothing(client) -> None:
    from django.contrib.sessions.models import Session

    client.get("/readyz")
    assert not Session.objects.filter(session_key__startswith="readyz-").exists()


def test_postgres_read_only_error_is_a_store_outage() -> None:
    import psycopg.errors

    try:
        try:
            raise psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction")
        except psycopg.errors.ReadOnlySqlTransaction as driver_error:
            raise InternalError(*driver_error.args) from driver_error
    except InternalError as error:
        assert is_read_only(error) and is_store_unavailable(error)  # noqa: PT017 - the error as Django wraps it


def test_other_database_errors_are_not_an_outage() -> None:
    assert not is_store_unavailable(InternalError("current transaction is aborted"))
    assert not is_store_unavailable(ValueError("bad input"))


@pytest.mark.django_db(transaction=True)
def test_signed_in_page_on_a_read_only_database_answers_503_not_400(client, demo, password, frozen_clock) -> None:
    from firmid.testing.signin import HOME

    client.raise_request_exception = False
    assert sign_in(client, "carol@client-one.test", password).status_code == 302
    frozen_clock.advance(120)  # the session is due for its refresh: this page saves it
    with read_only_database():
        response = client.get(HOME)
    assert response.status_code == 503 and response["Retry-After"] == "5"


@pytest.mark.django_db
def test_unready_probes_are_logged_once_per_change_not_one_by_one(client, monkeypatch, caplog) -> None:
    from firmid.ops import views

    monkeypatch.setitem(views._readiness, "ready", None)
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)
    with caplog.at_level("INFO"):
        answers = [client.get("/readyz").status_code for _ in range(5)]
    assert answers == [503] * 5
    alarms = [r.getMessage() for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
    assert alarms == [], alarms  # django.request logs no unready probe as an error
    changes = [r.getMessage() for r in caplog.records if r.getMessage().startswith("not ready:")]
    assert len(changes) == 1, changes
    monkeypatch.undo()
    monkeypatch.setitem(views._readiness, "ready", False)
    with caplog.at_level("INFO"):
        assert client.get("/readyz").status_code == 200
    assert any(r.getMessage() == "ready again" for r in caplog.records)
