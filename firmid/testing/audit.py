"""A real fault for tests: a trigger that makes the database refuse audit rows.

`failing_audit` is a pytest fixture (root conftest.py registers this module as a plugin):
`with failing_audit("mfa_factor_added"): ...` refuses the rows of those actions (of every
action without any) for the duration of the block, as a broken audit table would in
production. The SQL is exposed for tests that drive a database of their own (the fault
suite): install_sql(vendor, actions) and remove_sql(vendor).

pause_sql() holds inserts into a table for a few seconds (PostgreSQL), so that a worker can
be killed for real inside a transaction's window: the audit row of a new factor
(audit_auditevent, "NEW.action = 'mfa_factor_added'"), or the tokens of a code exchange
(oauth2_provider_accesstoken: the code is consumed and the ID token written, nothing committed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

TABLE = "audit_auditevent"
NAME = "firmid_test_audit_down"
MESSAGE = "audit down"
PAUSE = "firmid_test_pause"


def install_sql(vendor: str, actions: Sequence[str] = ()) -> list[str]:
    """The statements that make `vendor` ("sqlite", "postgresql") refuse audit rows of `actions` (all if empty)."""
    listed = ", ".join(_quoted(action) for action in actions)
    if vendor == "sqlite":
        when = f"WHEN NEW.action IN ({listed}) " if actions else ""
        return [f"CREATE TRIGGER {NAME} BEFORE INSERT ON {TABLE} {when}BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"]
    if vendor == "postgresql":
        when = f"WHEN (NEW.action IN ({listed})) " if actions else ""
        return [
            f"CREATE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
            f"CREATE TRIGGER {NAME} BEFORE INSERT ON {TABLE} FOR EACH ROW {when}EXECUTE FUNCTION {NAME}()",
        ]
    raise NotImplementedError(f"No failing audit trigger for {vendor}.")


def remove_sql(vendor: str) -> list[str]:
    """The statements that undo install_sql."""
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {NAME}"]
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {NAME} ON {TABLE}", f"DROP FUNCTION IF EXISTS {NAME}()"]
    raise NotImplementedError(f"No failing audit trigger for {vendor}.")


def pause_sql(*, table: str, seconds: float, when: str = "") -> tuple[list[str], list[str]]:
    """PostgreSQL statements that hold each insert into `table` (matching `when`) `seconds`, and undo it."""
    condition = f"WHEN ({when}) " if when else ""
    install = [
        f"CREATE FUNCTION {PAUSE}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN PERFORM pg_sleep({float(seconds)}); RETURN NEW; END $$",
        f"CREATE TRIGGER {PAUSE} BEFORE INSERT ON {table} FOR EACH ROW {condition}EXECUTE FUNCTION {PAUSE}()",
    ]
    remove = [f"DROP TRIGGER IF EXISTS {PAUSE} ON {table}", f"DROP FUNCTION IF EXISTS {PAUSE}()"]
    return install, remove


def _quoted(action: str) -> str:
    return "'" + action.replace("'", "''") + "'"


@contextmanager
def audit_writes_failing(*actions: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Refuse audit rows of `actions` (all if none) in the database `using`, until the block ends."""
    connection = connections[using]
    _execute(connection, install_sql(connection.vendor, actions))
    try:
        yield
    finally:
        _execute(connection, remove_sql(connection.vendor))


def _execute(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@contextmanager
def inserts_paused(
    *, table: str, seconds: float, when: str = "", using: str = DEFAULT_DB_ALIAS
) -> Iterator[Callable[[float], bool]]:
    """PostgreSQL: hold inserts into `table` (see pause_sql); yield held(timeout), true once one is held."""
    connection = connections[using]
    install, remove = pause_sql(table=table, seconds=seconds, when=when)
    _execute(connection, install)
    try:
        yield lambda timeout: _insert_held(connection, timeout)
    finally:
        _execute(connection, remove)


def _insert_held(connection, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.02)
    return False


@pytest.fixture
def failing_audit(db) -> Callable[..., AbstractContextManager[None]]:
    """failing_audit(*actions): a block in which the database refuses those audit rows."""
    return audit_writes_failing
