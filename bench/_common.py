"""Helpers shared by the benchmarks in bench/: machine, targets, PostgreSQL, gunicorn, sign-ins.

Nothing here is imported by firmid itself. The benchmarks are standalone scripts; the ones
that need PostgreSQL re-execute themselves under `scripts/with-services` (a throw-away
server on loopback) unless DATABASE_URL already names a PostgreSQL database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import os
import platform
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "bench-password-4f1c"  # noqa: S105 — the one password of every bench user
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never fetched: the code is read from the Location
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- targets and figures ------------------------------------------------------------------


@dataclass
class Targets:
    """PASS/FAIL lines, printed as they are decided; `failures` makes the exit status."""

    failures: list[str] = field(default_factory=list)
    passes: list[str] = field(default_factory=list)

    def check(self, label: str, passed: bool) -> bool:
        print(f"  {'PASS' if passed else 'FAIL'}: {label}", flush=True)
        (self.passes if passed else self.failures).append(label)
        return passed

    def result(self) -> str:
        line = "RESULT: " + ("PASS" if not self.failures else "FAIL (" + "; ".join(self.failures) + ")")
        print(line, flush=True)
        return line


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation; NaN for no samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --- the machine --------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def database_name() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0].split()[0]
            cursor.execute("SHOW fsync")
            fsync = cursor.fetchone()[0]
        return f"PostgreSQL {version} (fsync={fsync})"
    return connection.vendor


def machine_line() -> str:
    """nproc, CPU model, memory, load, Python and database: printed at the top of every bench."""
    try:
        memory_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{memory_kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, AttributeError):
        memory = "RAM unknown"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: nproc={cores()}, {cpu_model()}, {memory}, load average {load}; "
        f"Python {platform.python_version()}, {database_name()}"
    )


# --- PostgreSQL and Django ----------------------------------------------------------------


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def postgres_available() -> bool:
    """Debian's PostgreSQL binaries are installed (scripts/with-services can start a server)."""
    return any(Path(p, "initdb").exists() for p in Path("/usr/lib/postgresql").glob("*/bin"))


def ensure_postgres(script: str, argv: Sequence[str], redis: bool = False) -> None:
    """Re-execute `script` under scripts/with-services unless DATABASE_URL is PostgreSQL already."""
    if is_postgres_url(os.environ.get("DATABASE_URL", "")) and (os.environ.get("REDIS_URL") or not redis):
        return
    if os.environ.get("FIRMID_BENCH_UNDER_SERVICES"):
        raise SystemExit("scripts/with-services gave no PostgreSQL DATABASE_URL (or no REDIS_URL)")
    env = {**os.environ, "FIRMID_BENCH_UNDER_SERVICES": "1"}
    services = [str(ROOT / "scripts" / "with-services"), *(["--redis"] if redis else [])]
    command = [*services, "--", sys.executable, str(Path(script).resolve()), *argv]
    sys.stdout.flush()
    os.execve(command[0], command, env)


def bench_secrets() -> dict[str, str]:
    """Keys made for this run only, given to the bench process and to gunicorn alike.

    An encryption key in the environment is kept: benches run one after another on one
    database must decrypt each other's TOTP secrets, or firmid refuses to start.
    """
    from cryptography.fernet import Fernet

    from config import env

    return {
        "SECRET_KEY": base64.urlsafe_b64encode(os.urandom(40)).decode(),
        "FIRMID_ENCRYPTION_KEYS": os.environ.get("FIRMID_ENCRYPTION_KEYS") or Fernet.generate_key().decode(),
        "FIRMID_OIDC_SIGNING_KEY": env.rsa_private_key_pem(),
    }


def server_environ(port: int, **extra: str) -> dict[str, str]:
    """The environment of a bench's firmid server: local settings without DEBUG, fixed secrets."""
    return {
        **bench_secrets(),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "FIRMID_ISSUER": f"http://127.0.0.1:{port}",
        **extra,
    }


def setup_django(settings_module: str, environ: dict[str, str] | None = None, migrate: bool = True) -> None:
    """Set the environment, configure Django and (by default) migrate the database."""
    os.environ.update(environ or {})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- processes: CPU time and memory -------------------------------------------------------


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def cpu_seconds(pids: Iterable[int], reaped: int | None = None) -> float:
    """User + system CPU time of the given processes (those that are gone count 0), plus the
    CPU time of the children that `reaped` (a parent among them) has waited for: a worker or
    a database backend that ended during the measure still counts."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        if pid == reaped:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime of waited-for children
    return total / CLK_TCK


def rss_kib(pid: int) -> int:
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) if match else 0


def postgres_pids(port: int) -> list[int]:
    """The postmaster listening on `port` and its backends (not other helpers' servers)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"postgres") and b"-p" in argv and str(port).encode() in b" ".join(argv):
            postmaster = int(proc.name)
            return [postmaster, *children(postmaster)]
    return []


def database_port() -> int:
    return urlparse(os.environ["DATABASE_URL"]).port or 5432


class CpuMeter:
    """CPU seconds used by this process, gunicorn (master + workers) and PostgreSQL over a phase."""

    def __init__(self, server: Gunicorn | None) -> None:
        self.server = server
        self.start = self._read()

    def _read(self) -> dict[str, float]:
        usage = os.times()
        return {
            "client": usage.user + usage.system,
            "gunicorn": cpu_seconds(self.server.pids(), reaped=self.server.process.pid) if self.server else 0.0,
            "postgres": cpu_seconds(pids, reaped=pids[0]) if (pids := postgres_pids(database_port())) else 0.0,
        }

    def used(self) -> dict[str, float]:
        now = self._read()
        return {name: now[name] - self.start[name] for name in now}


# --- gunicorn -----------------------------------------------------------------------------


class Gunicorn:
    """`gunicorn config.wsgi:application` on a loopback port, stopped on exit (by its pid)."""

    def __init__(self, *, port: int, workers: int, environ: dict[str, str], extra: Sequence[str] = ()) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = tempfile.NamedTemporaryFile(prefix="firmid-bench-gunicorn-", suffix=".log", delete=False)
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--log-level", "warning", "--timeout", "60", "--graceful-timeout", "5", *extra,
        ]
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env={**os.environ, **environ}, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait_ready(workers)

    def _wait_ready(self, workers: int, timeout: float = 60) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200 and len(self.workers()) >= workers:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.tail()}")

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def pids(self) -> list[int]:
        return [self.process.pid, *self.workers()]

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: nothing is left to finish
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- bench data -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchUser:
    email: str
    totp_secret: str | None  # base32; None for a user without a second factor


@dataclass(frozen=True)
class BenchApp:
    client_id: str
    client_secret: str
    redirect_uri: str = REDIRECT_URI


def totp_secret_of(tag: str, n: int) -> str:
    """A known, distinct TOTP seed per user: 20 bytes derived from the run's tag and the number."""
    return base64.b32encode(hashlib.sha256(f"{tag}:{n}".encode()).digest()[:20]).decode()


def create_bench_users(*, count: int, with_totp: bool, tag: str, firm_name: str, batch: int = 2_000) -> list[BenchUser]:
    """Practitioners of one firm, all with BENCH_PASSWORD (one Argon2 hash) and, if asked, TOTP.

    Bulk-created (users, their verified email addresses, their encrypted TOTP seeds): the
    one Argon2 hash is computed once, with firmid's configured cost.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from firmid.accounts.models import Role, User
    from firmid.mfa import crypto
    from firmid.tenancy.services import firm_create

    firm = firm_create(name=firm_name)
    password = make_password(BENCH_PASSWORD)
    made: list[BenchUser] = []
    for start in range(0, count, batch):
        numbers = range(start, min(count, start + batch))
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(email=f"b{n}.{tag}@bench.test", full_name=f"Bench {n}", role=Role.PRACTITIONER,
                     firm=firm, password=password)
                for n in numbers
            )
            EmailAddress.objects.bulk_create(
                EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
            )
            secrets = {u.pk: totp_secret_of(tag, n) for n, u in zip(numbers, users)} if with_totp else {}
            if with_totp:
                Authenticator.objects.bulk_create(
                    Authenticator(user=u, type=Authenticator.Type.TOTP, data={"secret": crypto.encrypt(secrets[u.pk])})
                    for u in users
                )
        made += [BenchUser(u.email, secrets.get(u.pk)) for u in users]
    return made


def register_bench_app(*, secret_hasher: str | None = None) -> BenchApp:
    """Register a confidential application; `secret_hasher` forces how its secret is stored."""
    from django.contrib.auth.hashers import make_password
    from oauth2_provider.generators import generate_client_secret

    from firmid.oidc.services import application_register

    secret = generate_client_secret()
    registration = application_register(
        actor=None, name=f"Bench {uuid.uuid4().hex[:8]}", home_url="http://127.0.0.1:9/",
        redirect_uris=[REDIRECT_URI],
    )
    application = registration.application
    if secret_hasher:
        # Stored already hashed: DOT keeps a value it recognises as a hash.
        application.client_secret = make_password(secret, hasher=secret_hasher)
        application.save(update_fields=["client_secret"])
    else:
        secret = registration.client_secret
    return BenchApp(application.client_id, secret)


# --- TOTP, PKCE --------------------------------------------------------------------------------


def totp_now(secret: str, period: int = 30, digits: int = 6) -> str:
    """RFC 6238 (SHA-1), independent of firmid's code: what the user's phone shows now."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // period), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def pkce_pair() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(os.urandom(48)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


# --- one full sign-in -------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    location: str
    text: str


class SignInError(Exception):
    def __init__(self, step: str, reply: Reply | None, detail: str = "") -> None:
        self.step = step
        super().__init__(f"{step}: HTTP {reply.status if reply else '-'} {detail}".strip())


class Http:
    """What a sign-in needs of an HTTP client; implemented over http.client and Django's Client."""

    def get(self, url: str) -> Reply:
        raise NotImplementedError

    def post(self, url: str, data: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        raise NotImplementedError

    def fresh(self) -> Http:
        """Another client without this one's cookies: the application's server, not the browser."""
        raise NotImplementedError

    def close(self) -> None:
        pass


# What WireHttp raises when the server is unreachable or answers garbage.
TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


class WireHttp(Http):
    """A new browser over http.client: its own cookies, its own source address on loopback.

    Deliberately thin (no requests, no urllib3): the clients share the machine's cores with
    the server, and every millisecond of theirs is taken from the sign-in rate measured.
    Rate limits are per address, so each browser may leave from another loopback address.
    """

    def __init__(self, base: str, source_address: str | None = None, timeout: float = 30) -> None:
        parsed = urlparse(base)
        self.base, self.source_address, self.timeout = base, source_address, timeout
        self.connection = http.client.HTTPConnection(
            parsed.hostname, parsed.port, timeout=timeout,
            source_address=(source_address, 0) if source_address else None,
        )
        self.cookies: dict[str, str] = {}

    def cookie(self, name: str) -> str | None:
        return self.cookies.get(name)

    def _send(self, method: str, url: str, body: str | None, headers: dict[str, str]) -> Reply:
        path = urlparse(urljoin(self.base, url))
        target = path.path + (f"?{path.query}" if path.query else "")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.connection.request(method, target, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in header.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return Reply(response.status, response.getheader("Location", ""), text)

    def get(self, url: str) -> Reply:
        return self._send("GET", url, None, {})

    def post(self, url: str, data: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        return self._send("POST", url, urlencode(data), {
            "Content-Type": "application/x-www-form-urlencoded", **(headers or {}),
        })

    def fresh(self) -> WireHttp:
        return WireHttp(self.base, self.source_address, self.timeout)

    def close(self) -> None:
        self.connection.close()


class DjangoHttp(Http):
    """The same sign-in in this process, through Django's test client (to count queries and hashes)."""

    def __init__(self, host: str = "127.0.0.1", remote_addr: str = "127.0.0.1") -> None:
        from django.test import Client

        self.host, self.remote_addr = host, remote_addr
        self.client = Client(HTTP_HOST=host, REMOTE_ADDR=remote_addr)

    def fresh(self) -> DjangoHttp:
        return DjangoHttp(self.host, self.remote_addr)

    @staticmethod
    def _reply(response) -> Reply:  # noqa: ANN001
        return Reply(response.status_code, response.headers.get("Location", ""), response.content.decode())

    def get(self, url: str) -> Reply:
        return self._reply(self.client.get(url))

    def post(self, url: str, data: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        return self._reply(self.client.post(url, data, **extra))


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _csrf(reply: Reply, step: str) -> str:
    match = _CSRF.search(reply.text)
    if reply.status != 200 or not match:
        raise SignInError(step, reply, "no sign-in form")
    return match.group(1)


def _path(location: str) -> str:
    parts = urlparse(location)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


SIGN_IN_STEPS = (
    "authorize", "login page", "password", "code page", "code", "authorize again", "token",
)


def sign_in(http: Http, app: BenchApp, user: BenchUser, password: str = BENCH_PASSWORD,
            on_step: Callable[[str], None] | None = None) -> dict:
    """Authorization request (PKCE S256, state, nonce) → password → TOTP → code → tokens.

    Every request is checked; the code is read from the redirect to the application, which
    is never fetched. `on_step(name)` is called after each step (the in-process count uses it).
    """
    step = on_step or (lambda name: None)
    verifier, challenge = pkce_pair()
    state, nonce = uuid.uuid4().hex, uuid.uuid4().hex
    authorize = "/oauth/authorize/?" + urlencode({
        "response_type": "code", "client_id": app.client_id, "redirect_uri": app.redirect_uri,
        "scope": "openid profile email", "state": state, "nonce": nonce,
        "code_challenge": challenge, "code_challenge_method": "S256",
    })
    reply = http.get(authorize)
    if reply.status != 302 or "/accounts/login/" not in reply.location:
        raise SignInError("authorize", reply, "not sent to sign in")
    step("authorize")
    login_url = _path(reply.location)
    reply = http.get(login_url)
    token = _csrf(reply, "login page")
    step("login page")
    reply = http.post(login_url, {"login": user.email, "password": password, "csrfmiddlewaretoken": token,
                                  "next": parse_qs(urlparse(login_url).query).get("next", [""])[0]})
    if reply.status != 302:
        raise SignInError("password", reply, "password refused")
    step("password")
    if user.totp_secret:
        if "/2fa/authenticate/" not in reply.location:
            raise SignInError("password", reply, f"not asked for a code ({reply.location})")
        code_url = _path(reply.location)
        token = _csrf(http.get(code_url), "code page")
        step("code page")
        reply = http.post(code_url, {"code": totp_now(user.totp_secret), "csrfmiddlewaretoken": token})
        if reply.status != 302:
            raise SignInError("code", reply, "code refused")
        step("code")
    if not _path(reply.location).startswith("/oauth/authorize/"):
        raise SignInError("password" if not user.totp_secret else "code", reply, f"not sent back ({reply.location})")
    reply = http.get(_path(reply.location))
    query = parse_qs(urlparse(reply.location).query)
    if reply.status != 302 or not reply.location.startswith(app.redirect_uri) or query.get("state") != [state]:
        raise SignInError("authorize again", reply, f"no code ({reply.location[:120]})")
    step("authorize again")
    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    application = http.fresh()  # the application's back end: no browser cookies
    try:
        reply = application.post("/oauth/token/", {
            "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": app.redirect_uri,
            "code_verifier": verifier,
        }, headers={"Authorization": f"Basic {basic}"})
    finally:
        application.close()
    if reply.status != 200 or '"id_token"' not in reply.text:
        raise SignInError("token", reply, reply.text[:200])
    step("token")
    import json

    return json.loads(reply.text)


def loopback_addresses(count: int) -> list[str]:
    """127.1.x.y addresses: the kernel answers for all of 127/8, and allauth limits per address."""
    return [f"127.1.{n // 250}.{n % 250 + 1}" for n in range(count)]


def count_hashing(work: Callable[[], object]) -> dict[str, int]:
    """Run `work` and count the password-hasher operations (by algorithm) it made in this process."""
    from unittest import mock

    from django.contrib.auth import hashers

    counts: dict[str, int] = {}
    depth = [0]  # a verify that encodes inside counts once
    patches = []
    for hasher in hashers.get_hashers():
        for method in ("verify", "encode"):
            original = getattr(type(hasher), method)

            def counted(self, *args, _original=original, _key=f"{hasher.algorithm} {method}", **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
                if not depth[0]:
                    counts[_key] = counts.get(_key, 0) + 1
                depth[0] += 1
                try:
                    return _original(self, *args, **kwargs)
                finally:
                    depth[0] -= 1

            patches.append(mock.patch.object(type(hasher), method, counted))
    for patch in patches:
        patch.start()
    try:
        work()
    finally:
        for patch in reversed(patches):
            patch.stop()
    return counts



def support_agent():  # noqa: ANN201
    """A level-2 support agent (allowed to save levels), unique to the run."""
    from firmid.accounts.models import Role
    from firmid.tenancy.services import user_create

    return user_create(
        email=f"bench.agent.{uuid.uuid4().hex[:8]}@firmid.test", full_name="Bench Agent",
        role=Role.SUPPORT_AGENT, password=None, support_level=2,
    )
