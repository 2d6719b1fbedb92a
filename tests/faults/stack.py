"""firmid as in production on loopback: PostgreSQL, Redis and two gunicorn nodes, and what tests ask of them.

The nodes run the servers' own settings (config.settings.local, DEBUG off) with Redis as
the cache (REDIS_URL), persistent database connections (DATABASE_CONN_MAX_AGE, as
docs/deployment.md advises) and Prometheus' multi-process directory (as `make serve`).
Tests talk HTTP to the nodes, read and change the database with psycopg, and break things
for real: they never touch the ORM of the pytest process.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import psycopg
import requests

from firmid.testing.nodes.browsers import CSRF, HOME, LOGIN, Browser, location
from firmid.testing.nodes.postgres import Postgres
from firmid.testing.nodes.servers import (
    Cluster,
    Node,
    new_secret,
    run,
    seed_users,
    server_env,
    start_node,
    stop_node,
    tail,
    wait_healthy,
)

from .redis_server import Redis

PASSWORD = "fault-suite sign-in passphrase 42"
MAX_FAILURES = 5
BOOT_SECONDS = 60
REDIRECT = "http://127.0.0.1:9/callback"
CLIENT_ID = "faults-rp"
# The Retry-After of firmid's 503s (firmid/ops/outages.py).
RETRY_AFTER = "5"
# allauth's refusal of the password step once an account's failed attempts are used up.
TOO_MANY_ATTEMPTS = "Too many failed login attempts"

PRACTITIONER = "practitioner"


def user_specs() -> list[dict]:
    """Who exists: one firm (or one set of accounts) per fault, so that no test disturbs another."""
    specs = [
        {"email": "agent@faults.test", "role": "support_agent", "support_level": 2, "secret": new_secret()},
        {"email": "enrol@faults.test", "role": PRACTITIONER, "firm": "Enrol Firm"},
        {"email": "level@faults.test", "role": PRACTITIONER, "firm": "Level Firm"},
        {"email": "token@faults.test", "role": PRACTITIONER, "firm": "Token Firm"},
        {"email": "readonly@faults.test", "role": PRACTITIONER, "firm": "Read-only Firm"},
        {"email": "keys@faults.test", "role": PRACTITIONER, "firm": "Keys Firm", "secret": new_secret()},
    ]
    specs += [{"email": f"outage{i}@faults.test", "role": PRACTITIONER, "firm": "Outage Firm"} for i in range(1, 7)]
    specs += [{"email": f"redis{i}@faults.test", "role": PRACTITIONER, "firm": "Redis Firm"} for i in range(1, 5)]
    specs += [{"email": f"kept{i}@faults.test", "role": PRACTITIONER, "firm": "Kept Firm"} for i in range(1, 3)]
    return specs


# Enrol Firm demands MFA of its practitioners (their sign-in leads to enrolment); the
# application of the token exchange test is registered with a known secret.
_SETUP = """
from firmid.accounts.models import User
from firmid.mfa.levels.services import firm_set_mfa_levels
from firmid.oidc.services import application_register
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm

agent = User.objects.get(email="agent@faults.test")
firm_set_mfa_levels(actor=agent, firm=Firm.objects.get(name="Enrol Firm"),
                    levels={UserType.PRACTITIONERS: MfaLevel.MANDATORY})
application_register(actor=None, name="Fault suite RP", home_url="http://127.0.0.1:9/",
                     redirect_uris=[%(redirect)r], client_id=%(client_id)r, client_secret=%(secret)r)
"""


@dataclass
class Stack(Cluster):
    """Two nodes on one PostgreSQL and one Redis, and the means to add a node of a test's own."""

    redis: Redis | None = None
    logs_dir: Path | None = None
    client_secret: str = ""
    extra: list[Node] = field(default_factory=list)

    def node_env(self, name: str, **overrides: str) -> dict[str, str]:
        """The environment of node `name`: the stack's, with its own metrics directory."""
        metrics = self.logs_dir / f"prometheus-{name}"
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir()
        return {**self.env, "PROMETHEUS_MULTIPROC_DIR": str(metrics), **overrides}

    def start(self, name: str, *, workers: int = 1, **overrides: str) -> Node:
        """Start one more node, its environment changed by `overrides` (stopped at the session end at the latest)."""
        node = start_node(name, self.node_env(name, **overrides), self.logs_dir, workers=workers)
        self.extra.append(node)
        return node

    def stop(self, node: Node) -> None:
        stop_node(node)

    def logs(self) -> str:
        parts = [super().logs()]
        for node in self.extra:
            parts.append(f"===== gunicorn {node.name} ({node.url}), last lines =====\n" + tail(node.log_text(), 80))
        if self.redis is not None:
            parts.append("===== Redis, last lines =====\n" + tail(self.redis.log_text(), 20))
        return "\n".join(parts)

    def execute(self, statement: str) -> None:
        """Run one statement that returns no rows (ALTER, CREATE...) on a connection of its own."""
        with self.connect() as connection:
            connection.execute(statement)

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.pg.conninfo, autocommit=True, connect_timeout=5)

    def end_server_connections(self) -> None:
        """End the nodes' database connections (as a failover does): their next request reconnects."""
        self.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )

    def audit_rows(self, action: str, **where: object) -> int:
        clauses = "".join(f" AND {column} = %s" for column in where)
        return self.one(f"SELECT count(*) FROM audit_auditevent WHERE action = %s{clauses}", (action, *where.values()))


def prepare(pg: Postgres, redis: Redis, logs: Path) -> Stack:
    """Migrate and seed the database; the stack, with no node started yet."""
    env = server_env(
        pg,
        REDIS_URL=redis.url,
        DATABASE_CONN_MAX_AGE="60",
        FIRMID_MFA_MAX_FAILURES=str(MAX_FAILURES),
    )
    run([sys.executable, "manage.py", "migrate", "--noinput"], env)
    users = seed_users(env, PASSWORD, user_specs())
    client_secret = secrets.token_urlsafe(32)
    setup = _SETUP % {"redirect": REDIRECT, "client_id": CLIENT_ID, "secret": client_secret}
    run([sys.executable, "manage.py", "shell", "-c", setup], env)
    return Stack(
        pg=pg,
        nodes=[],
        users=users,
        password=PASSWORD,
        max_failures=MAX_FAILURES,
        env=env,
        redis=redis,
        logs_dir=logs,
        client_secret=client_secret,
    )


def start_pair(stack: Stack) -> None:
    """Start nodes A and B (two workers each) and wait until both answer."""
    for name in ("A", "B"):
        stack.nodes.append(start_node(name, stack.node_env(name), stack.logs_dir))
    deadline = time.monotonic() + BOOT_SECONDS
    for node in stack.nodes:
        wait_healthy(node, deadline)


# --- waiting, bounded --------------------------------------------------------------------


def wait_for(what: str, condition: Callable[[], object], timeout: float, every: float = 0.1):
    """Poll `condition` until it returns something true; its value, or AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def readyz(node: Node, timeout: float = 5) -> requests.Response:
    return requests.get(f"{node.url}/readyz", timeout=timeout)


def ready(node: Node) -> bool:
    try:
        return readyz(node).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def log_of(node: Node) -> Iterator[Callable[[], str]]:
    """What the node writes to its log from now on: a callable returning it so far."""
    start = node.log.stat().st_size if node.log.exists() else 0

    def written() -> str:
        with node.log.open("rb") as log:
            log.seek(start)
            return log.read().decode(errors="replace")

    yield written


def alarms(log: str) -> list[str]:
    """The log's records at WARNING or above (not the access log, not a traceback's lines)."""
    return [line for line in log.splitlines() if _ALARM.match(line)]


_ALARM = re.compile(r"^\S+ \S+ (WARNING|ERROR|CRITICAL) ")


# What the tests measured (recovery times...): conftest.py prints them at the end of the run.
MEASUREMENTS: list[str] = []


def say(message: str) -> None:
    """Record a measurement, printed in the run's summary (and at once under -s)."""
    MEASUREMENTS.append(message)
    print(f"[faults] {message}", file=sys.stderr)


# --- a person, over HTTP ---------------------------------------------------------------------

# The name every browser asks for, whichever node answers: a load balancer passes the public
# Host on to all nodes (allauth's per-account limits are keyed by it, port included).
PUBLIC_HOST = "127.0.0.1"


def browser_on(node: Node) -> Browser:
    """A browser of its own (own cookies, own loopback address) whose requests `node` answers."""
    browser = Browser(node.url)
    browser.http.headers["Host"] = PUBLIC_HOST
    return browser


def signed_in(node: Node, email: str, password: str = PASSWORD) -> Browser:
    browser = browser_on(node)
    response = browser.password_step(email, password)
    assert response.status_code == 302 and location(response) == HOME, (email, response.status_code, location(response))
    return browser


def password_attempt(node: Node, email: str, password: str, timeout: float = 10) -> requests.Response:
    """One sign-in attempt from a browser of its own: the login page, then the form (CSRF token from it)."""
    browser = browser_on(node)
    try:
        page = browser.get(LOGIN, timeout=timeout)
        if page.status_code != 200:
            return page
        token = CSRF.search(page.text).group(1)
        form = {"login": email, "password": password, "csrfmiddlewaretoken": token}
        return browser.post(LOGIN, form, timeout=timeout)
    finally:
        browser.close()


def shown_key(page: str) -> str:
    """The key of the authenticator app on the Enhance your account security page."""
    match = re.search(r'id="totp-key">([A-Z2-7]+)<', page)
    assert match, "no key on the enrolment page"
    return match.group(1)


# --- an application, over HTTP ----------------------------------------------------------------


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorization_code(browser: Browser, challenge: str) -> str:
    """The code a signed-in browser brings back from /oauth/authorize/ (no consent: first-party)."""
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "openid email",
        "state": "st-faults",
        "nonce": "n-faults",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    response = browser.get(f"/oauth/authorize/?{urlencode(params)}")
    assert response.status_code == 302, (response.status_code, response.text[:300])
    target = urlparse(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == REDIRECT, response.headers["Location"]
    return parse_qs(target.query)["code"][0]


def exchange(node: Node, stack: Stack, code: str, verifier: str, timeout: float = 10) -> requests.Response:
    """The application's back-channel token request for `code`."""
    basic = base64.b64encode(f"{CLIENT_ID}:{stack.client_secret}".encode()).decode()
    return requests.post(
        f"{node.url}/oauth/token/",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier},
        headers={"Authorization": f"Basic {basic}", "Host": PUBLIC_HOST},
        timeout=timeout,
    )


# --- which worker holds a database connection ------------------------------------------------


def worker_of_backend(node: Node, client_port: int) -> int | None:
    """The pid of the node's worker whose TCP connection to PostgreSQL leaves from `client_port`."""
    inodes = _socket_inodes_on_port(client_port)
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for pid in node.workers():
        if wanted & _open_files(pid):
            return pid
    return None


def _open_files(pid: int) -> set[str]:
    """What the process's descriptors point to (socket:[inode] for a socket)."""
    found = set()
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return found
    for descriptor in descriptors:
        try:
            found.add(str(descriptor.readlink()))
        except OSError:
            continue  # closed meanwhile
    return found


def _socket_inodes_on_port(port: int) -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port:
                found.add(fields[9])
    return found


def json_body(response: requests.Response) -> dict:
    try:
        return response.json()
    except ValueError:
        return {"text": response.text[:300]}
