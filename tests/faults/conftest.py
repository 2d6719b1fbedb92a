"""The fault suite's stack: one PostgreSQL, one Redis, two gunicorn nodes on loopback (tests/faults/stack.py).

Started once per session (PostgreSQL and the nodes as tests/multiprocess/ starts them);
every test breaks one part for real and puts it back before it ends, whatever happens.
Under a failed test, the last lines of every server's log are printed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmid.testing.nodes.postgres import Postgres, binaries
from firmid.testing.nodes.servers import stop_node
from firmid.testing.pytest_plugin import call_failed

from .redis_server import Redis, installed
from .stack import MEASUREMENTS, Stack, prepare, start_pair


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if MEASUREMENTS:
        terminalreporter.section("fault suite: measured")
        for line in MEASUREMENTS:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    if binaries() is None:
        pytest.skip("PostgreSQL is not installed (Debian's package postgresql; .ci/run installs it)")
    if not installed():
        pytest.skip("Redis is not installed (Debian's package redis-server; .ci/run installs it)")
    pg, redis = Postgres(), Redis()
    logs = Path(tempfile.mkdtemp(prefix="firmid-faults."))
    built: Stack | None = None
    try:
        pg.start()
        redis.start()
        built = prepare(pg, redis, logs)
        start_pair(built)
        yield built
    except Exception:
        if built is not None:
            print(built.logs())
        raise
    finally:
        if built is not None:
            for node in built.nodes + built.extra:
                stop_node(node)
        pg.destroy()
        redis.destroy()
        shutil.rmtree(logs, ignore_errors=True)


@pytest.fixture(autouse=True)
def _server_logs_on_failure(request: pytest.FixtureRequest, stack: Stack) -> Iterator[None]:
    yield
    if call_failed(request):
        print(stack.logs())
