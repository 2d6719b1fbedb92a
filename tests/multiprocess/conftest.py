"""Two firmid nodes (gunicorn, 2 workers each) on one throw-away PostgreSQL, for attacks over HTTP.

Nothing here uses Django's test database: the session fixture starts its own PostgreSQL
(tests/multiprocess/postgres.py), migrates it and loads its users with the servers' own
settings (config.settings.local, DEBUG off), then starts two gunicorn masters on two free
loopback ports. Tests talk HTTP to the nodes and read the database with psycopg; they
never touch the ORM of the pytest process. Everything is stopped at the end; the logs of
the servers are printed under a failed test.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import requests

from .postgres import Postgres, binaries, free_port

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
MAX_FAILURES = 5
PASSWORD = "multi-process sign-in passphrase 42"
BOOT_SECONDS = 40

_REPORTS = pytest.StashKey[dict]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.multiprocess)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # noqa: ANN201
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@dataclass
class User:
    email: str
    id: int
    firm_id: int | None
    secret: str | None = None


@dataclass
class Node:
    name: str
    port: int
    master: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> set[int]:
        """The pids of the master's worker processes (its children), from /proc."""
        found = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[1] == str(self.master.pid) and fields[0] != "Z":
                found.add(int(stat.parent.name))
        return found


@dataclass
class Cluster:
    pg: Postgres
    nodes: list[Node]
    users: dict[str, User]
    password: str = PASSWORD
    max_failures: int = MAX_FAILURES
    env: dict[str, str] = field(default_factory=dict)

    @property
    def a(self) -> Node:
        return self.nodes[0]

    @property
    def b(self) -> Node:
        return self.nodes[1]

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.pg.conninfo, autocommit=True, connect_timeout=5) as conn:
            return conn.execute(query, params).fetchall()

    def one(self, query: str, params: tuple = ()):  # noqa: ANN201
        return self.sql(query, params)[0][0]

    def logs(self) -> str:
        parts = []
        for node in self.nodes:
            text = node.log.read_text(errors="replace") if node.log.exists() else ""
            parts.append(f"===== gunicorn {node.name} ({node.url}), last lines =====\n" + _tail(text, 150))
        parts.append("===== PostgreSQL, last lines =====\n" + _tail(self.pg.log_text(), 40))
        return "\n".join(parts)


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode()


# Who exists: one firm per test, so that a level saved by one test changes nothing in another.
def _user_specs() -> list[dict]:
    practitioner = "practitioner"
    specs = [
        {"email": "replay@replay.test", "role": practitioner, "firm": "Replay Firm", "secret": _secret()},
        {"email": "lockout@lockout.test", "role": practitioner, "firm": "Lockout Firm", "secret": _secret()},
        {"email": "level@level.test", "role": practitioner, "firm": "Level Firm"},
        {"email": "agent.l2@firmid.test", "role": "support_agent", "support_level": 2, "secret": _secret()},
    ]
    specs += [{"email": f"kill{i}@kill.test", "role": practitioner, "firm": "Kill Firm"} for i in range(1, 7)]
    specs += [{"email": f"outage{i}@outage.test", "role": practitioner, "firm": "Outage Firm"} for i in range(1, 9)]
    return specs


def _server_env(pg: Postgres) -> dict[str, str]:
    from cryptography.fernet import Fernet

    from config.env import rsa_private_key_pem

    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": pg.url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIRMID_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "FIRMID_OIDC_SIGNING_KEY": rsa_private_key_pem(),
        "LOG_FORMAT": "text",
        "FIRMID_MFA_MAX_FAILURES": str(MAX_FAILURES),
    }


def _run(args: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 120) -> str:
    done = subprocess.run(
        args, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _gunicorn() -> list[str]:
    script = Path(sys.executable).with_name("gunicorn")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]


def _start_node(name: str, env: dict[str, str], logs: Path) -> Node:
    port = free_port()
    log = logs / f"gunicorn-{name}.log"
    with log.open("wb") as out:
        master = subprocess.Popen(
            [*_gunicorn(), "config.wsgi:application", "--workers", "2", "--bind", f"127.0.0.1:{port}",
             "--timeout", "30", "--graceful-timeout", "5", "--access-logfile", "-", "--error-logfile", "-",
             # gunicorn's control socket defaults to one path per user: two masters would share it.
             "--no-control-socket"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return Node(name=name, port=port, master=master, log=log)


def _wait_healthy(node: Node, deadline: float) -> None:
    while time.monotonic() < deadline:
        if node.master.poll() is not None:
            raise RuntimeError(f"gunicorn {node.name} exited with {node.master.returncode}")
        try:
            if requests.get(f"{node.url}/healthz", timeout=2).status_code == 200 and len(node.workers()) == 2:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn {node.name} did not answer /healthz in time")


def _stop_node(node: Node) -> None:
    if node.master.poll() is None:
        node.master.send_signal(signal.SIGTERM)
        try:
            node.master.wait(timeout=10)
        except subprocess.TimeoutExpired:
            node.master.kill()
            node.master.wait(timeout=10)
    # Workers end when their master does; any straggler is ended by its own pid.
    for pid in node.workers():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


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
        env = _server_env(pg)
        python = sys.executable
        _run([python, "manage.py", "migrate", "--noinput"], env)
        specs = _user_specs()
        created = json.loads(_run([python, str(HERE / "seed.py")], env, stdin=PASSWORD + "\n" + json.dumps(specs)))
        users = {
            s["email"]: User(email=s["email"], id=created[s["email"]]["id"],
                             firm_id=created[s["email"]]["firm_id"], secret=s.get("secret"))
            for s in specs
        }
        nodes = [_start_node(name, env, logs) for name in ("A", "B")]
        cluster = Cluster(pg=pg, nodes=nodes, users=users, env=env)
        deadline = time.monotonic() + BOOT_SECONDS
        for node in nodes:
            _wait_healthy(node, deadline)
        yield cluster
    except Exception:
        if cluster is not None:
            print(cluster.logs())
        raise
    finally:
        for node in nodes:
            _stop_node(node)
        pg.destroy()
        for path in logs.iterdir():
            path.unlink()
        logs.rmdir()


@pytest.fixture(autouse=True)
def _server_logs_on_failure(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[None]:
    yield
    report = request.node.stash.get(_REPORTS, {}).get("call")
    if report is not None and report.failed:
        print(cluster.logs())
