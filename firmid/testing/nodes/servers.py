"""firmid nodes as in production, for tests over HTTP: the servers' environment, gunicorn masters.

Shared by tests/multiprocess/ (attacks across two nodes) and tests/faults/ (faults injected
into PostgreSQL, Redis, workers and clocks). A node is one gunicorn master with its workers
on a free loopback port, started with the servers' own settings (config.settings.local,
DEBUG off); its output (access and error log) goes to one file, printed under a failed test.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

from .postgres import Postgres, free_port

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Node:
    name: str
    port: int
    master: subprocess.Popen
    log: Path
    worker_count: int = 2

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

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class User:
    email: str
    id: int
    firm_id: int | None
    secret: str | None = None


@dataclass
class Cluster:
    """Nodes on one PostgreSQL, their users, and psycopg access to the database."""

    pg: Postgres
    nodes: list[Node]
    users: dict[str, User]
    password: str
    max_failures: int
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

    def one(self, query: str, params: tuple = ()):
        return self.sql(query, params)[0][0]

    def logs(self) -> str:
        parts = []
        for node in self.nodes:
            parts.append(f"===== gunicorn {node.name} ({node.url}), last lines =====\n" + tail(node.log_text(), 150))
        parts.append("===== PostgreSQL, last lines =====\n" + tail(self.pg.log_text(), 40))
        return "\n".join(parts)


def tail(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])


def server_env(pg: Postgres, **extra: str) -> dict[str, str]:
    """The environment of a node on `pg`: fresh secrets, production's DEBUG off, `extra` added."""
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
        **extra,
    }


def run(args: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 120) -> str:
    """Run a command in the repository with `env`; its output, or RuntimeError with both streams."""
    done = subprocess.run(
        args, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def new_secret() -> str:
    """A TOTP secret (base32, 160 bits), as an authenticator app would be given."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def seed_users(env: dict[str, str], password: str, specs: list[dict]) -> dict[str, User]:
    """Create the users of `specs` (firmid/testing/nodes/seed.py says how) with the servers' settings."""
    seed = Path(__file__).with_name("seed.py")
    created = json.loads(run([sys.executable, str(seed)], env, stdin=password + "\n" + json.dumps(specs)))
    return {
        s["email"]: User(
            email=s["email"],
            id=created[s["email"]]["id"],
            firm_id=created[s["email"]]["firm_id"],
            secret=s.get("secret"),
        )
        for s in specs
    }


def gunicorn_command() -> list[str]:
    script = Path(sys.executable).with_name("gunicorn")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]


def start_node(name: str, env: dict[str, str], logs: Path, *, workers: int = 2) -> Node:
    """Start a gunicorn master with `workers` workers on a free loopback port."""
    port = free_port()
    log = logs / f"gunicorn-{name}.log"
    with log.open("wb") as out:
        master = subprocess.Popen(
            [
                *gunicorn_command(),
                "config.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--access-logfile",
                "-",
                "--error-logfile",
                "-",
                # gunicorn's control socket defaults to one path per user: two masters would share it.
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Node(name=name, port=port, master=master, log=log, worker_count=workers)


def wait_healthy(node: Node, deadline: float) -> None:
    """Wait until the node answers /healthz with all its workers up, or raise RuntimeError."""
    while time.monotonic() < deadline:
        if node.master.poll() is not None:
            raise RuntimeError(f"gunicorn {node.name} exited with {node.master.returncode}")
        try:
            healthy = requests.get(f"{node.url}/healthz", timeout=2).status_code == 200
            if healthy and len(node.workers()) == node.worker_count:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn {node.name} did not answer /healthz in time")


def stop_node(node: Node) -> None:
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
