"""Two firmid nodes (gunicorn, 2 workers each) on one throw-away PostgreSQL, for attacks over HTTP.

Nothing here uses Django's test database: the session fixture starts its own PostgreSQL
(firmid/testing/nodes/postgres.py), migrates it and loads its users with the servers' own
settings (config.settings.local, DEBUG off), then starts two gunicorn masters (firmid/testing/nodes/servers.py) on two free
loopback ports. Tests talk HTTP to the nodes and read the database with psycopg; they
never touch the ORM of the pytest process. Everything is stopped at the end; the logs of
the servers are printed under a failed test.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmid.testing.nodes.postgres import Postgres, binaries
from firmid.testing.nodes.servers import (
    Cluster,
    Node,
    new_secret,
    run,
    seed_users,
    server_env,
    start_node,
    stop_node,
    wait_healthy,
)
from firmid.testing.pytest_plugin import call_failed

MAX_FAILURES = 5
PASSWORD = "multi-process sign-in passphrase 42"
BOOT_SECONDS = 40


# Who exists: one firm per test, so that a level saved by one test changes nothing in another.
def _user_specs() -> list[dict]:
    practitioner = "practitioner"
    specs = [
        {"email": "replay@replay.test", "role": practitioner, "firm": "Replay Firm", "secret": new_secret()},
        {"email": "lockout@lockout.test", "role": practitioner, "firm": "Lockout Firm", "secret": new_secret()},
        {"email": "level@level.test", "role": practitioner, "firm": "Level Firm"},
        {"email": "agent.l2@firmid.test", "role": "support_agent", "support_level": 2, "secret": new_secret()},
    ]
    specs += [{"email": f"kill{i}@kill.test", "role": practitioner, "firm": "Kill Firm"} for i in range(1, 7)]
    specs += [{"email": f"outage{i}@outage.test", "role": practitioner, "firm": "Outage Firm"} for i in range(1, 9)]
    return specs


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if binaries() is None:
        pytest.skip("PostgreSQL is not installed: scripts/with-services installs Debian's package")
    pg = Postgres()
    logs = Path(tempfile.mkdtemp(prefix="firmid-gunicorn."))
    nodes: list[Node] = []
    cluster = None
    try:
        pg.start()
        env = server_env(pg, FIRMID_MFA_MAX_FAILURES=str(MAX_FAILURES))
        run([sys.executable, "manage.py", "migrate", "--noinput"], env)
        users = seed_users(env, PASSWORD, _user_specs())
        nodes = [start_node(name, env, logs) for name in ("A", "B")]
        cluster = Cluster(pg=pg, nodes=nodes, users=users, password=PASSWORD, max_failures=MAX_FAILURES, env=env)
        deadline = time.monotonic() + BOOT_SECONDS
        for node in nodes:
            wait_healthy(node, deadline)
        yield cluster
    except Exception:
        if cluster is not None:
            print(cluster.logs())
        raise
    finally:
        for node in nodes:
            stop_node(node)
        pg.destroy()
        for path in logs.iterdir():
            path.unlink()
        logs.rmdir()


@pytest.fixture(autouse=True)
def _server_logs_on_failure(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[None]:
    yield
    if call_failed(request):
        print(cluster.logs())
