"""Token endpoint: authorization-code exchanges and refreshes per second, per worker process.

    .venv/bin/python bench/token_endpoint.py [--n 300] [--warmup 20]

Runs on a fresh temporary SQLite file (or the DATABASE_URL of the environment), migrated.
Registers applications and one user, pre-creates --n authorization codes per client (the
Grant rows the authorization endpoint would write: PKCE S256 challenge, nonce, and the
authentication context auth_time, amr, acr), then times, through Django's test client in
this process (one process = one worker: no HTTP server, no network):

1. --n authorization-code exchanges (POST /oauth/token/: client authentication, code,
   PKCE verifier; an access token, a refresh token and an RS256-signed ID token issued);
2. --n refreshes with the refresh tokens so obtained (rotation: a new pair each time);

for three clients, to show what client authentication costs: a confidential client whose
secret is stored the way registration stores it (OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"]),
the same with the secret stored with the password hasher (Argon2id, firmid's cost: what it
costs to hash client secrets like passwords), and a public client (PKCE, no secret).
Prints operations per second, mean, p50 and p95 in ms (wall clock, one request at a time),
the CPU time of this process per request (what other load on the machine does not inflate)
and the SQL queries of one request. No targets: figures only.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import hashlib
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never fetched
OPERATIONS = ("code exchange", "refresh")


@dataclass(frozen=True)
class Stats:
    ops_per_second: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    cpu_ms: float  # this process's CPU time per operation: what load on the machine does not inflate

    @classmethod
    def of(cls, seconds: list[float], cpu_seconds: list[float]) -> Stats:
        ordered = sorted(seconds)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return cls(
            len(seconds) / sum(seconds),
            statistics.mean(seconds) * 1000,
            statistics.median(seconds) * 1000,
            p95 * 1000,
            statistics.mean(cpu_seconds) * 1000,
        )


@dataclass(frozen=True)
class Client:
    label: str
    client_id: str
    secret: str | None  # None: a public client
    stored_with: str  # the hasher (algorithm) of the stored secret, or "none"


@dataclass
class Figures:
    stats: dict[tuple[str, str], Stats] = field(default_factory=dict)  # (client label, operation) -> figures
    secret_verify_ms: dict[str, float] = field(default_factory=dict)  # hasher -> one verify
    queries: dict[tuple[str, str], int] = field(default_factory=dict)  # (client label, operation) -> SQL queries


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="timed exchanges, and as many refreshes, per client")
    parser.add_argument("--warmup", type=int, default=20, help="untimed exchanges and refreshes first, per client")
    return parser.parse_args(argv)


def setup_django() -> str:
    """Configure Django on a fresh SQLite file unless DATABASE_URL is given; migrate; return the URL."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    if not os.environ.get("DATABASE_URL"):
        directory = tempfile.mkdtemp(prefix="firmid-bench-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return os.environ["DATABASE_URL"]


def main(argv: Sequence[str] | None = None) -> Figures:
    """Run the benchmark and print its figures; inside a configured Django (tests), use its database."""
    args = parse_args(argv)
    from django.apps import apps

    if not apps.ready:
        print(f"database: {setup_django()}")
    _print_machine()
    figures = Figures()
    user = _user()
    clients = _clients()
    print(f"token endpoint in one worker process (Django's test client, in process), {args.n} of each per client:")
    width = max(len(client.label) for client in clients)
    print(
        f"  {'client':<{width}}  {'operation':<13} {'ops/s':>7} {'mean ms':>8} {'p50 ms':>8} {'p95 ms':>8}"
        f" {'CPU ms':>7} {'SQL':>4}"
    )
    for client in clients:
        for operation, (seconds, cpu_seconds) in _run(client, user, args, figures).items():
            stats = figures.stats[(client.label, operation)] = Stats.of(seconds, cpu_seconds)
            print(
                f"  {client.label:<{width}}  {operation:<13} {stats.ops_per_second:7.1f} {stats.mean_ms:8.2f}"
                f" {stats.p50_ms:8.2f} {stats.p95_ms:8.2f} {stats.cpu_ms:7.2f}"
                f" {figures.queries[(client.label, operation)]:4d}"
            )
    print("  (ops/s and ms: wall clock, one request at a time; CPU ms: this process's CPU time per request)")
    _print_secret_cost(clients, figures)
    return figures


def _print_machine() -> None:
    from django.db import connection

    database = connection.vendor
    if database == "sqlite":
        database = f"SQLite {connection.Database.sqlite_version}"
    elif database == "postgresql":
        database = f"PostgreSQL {connection.pg_version}"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load}, Python {platform.python_version()}, {database}")


def _user():
    from firmid.accounts.models import Role
    from firmid.accounts.services import user_create
    from firmid.tenancy.services import firm_create

    tag = uuid.uuid4().hex[:8]
    return user_create(
        email=f"bench.{tag}@bench.test",
        full_name="Bench User",
        role=Role.PRACTITIONER,
        password=None,
        firm=firm_create(name=f"Bench firm {tag}"),
    )


def _clients() -> list[Client]:
    from django.conf import settings
    from django.contrib.auth.hashers import identify_hasher, make_password

    from firmid.oidc.services import application_register

    def register(name: str, confidential: bool = True):
        return application_register(
            actor=None,
            name=f"Bench {name} {uuid.uuid4().hex[:6]}",
            home_url="http://127.0.0.1:9/",
            redirect_uris=[REDIRECT_URI],
            confidential=confidential,
        )

    registered = register("registered")
    stored = identify_hasher(registered.application.client_secret).algorithm
    clients = [
        Client(
            f"confidential, secret stored with {stored}",
            registered.application.client_id,
            registered.client_secret,
            stored,
        )
    ]
    password_hasher = settings.PASSWORD_HASHERS[0]
    password_algorithm = identify_hasher(make_password("probe")).algorithm
    if stored != password_algorithm:
        # The same client with its secret hashed like a password (what DOT does by default).
        argon = register("argon2")
        application = argon.application
        application.client_secret = make_password(argon.client_secret)  # kept as is: already a hash
        application.save(update_fields=["client_secret"])
        clients.append(
            Client(
                f"confidential, secret stored with {password_algorithm}",
                application.client_id,
                argon.client_secret,
                password_algorithm,
            )
        )
    public = register("public", confidential=False)
    clients.append(Client("public (PKCE only, no secret)", public.application.client_id, None, "none"))
    print(f"password hasher: {password_hasher.rsplit('.', 1)[-1]}; registration stores client secrets with {stored}")
    return clients


def _grants(client: Client, user, count: int) -> list[tuple[str, str]]:
    """Authorization codes as the authorization endpoint stores them; return (code, verifier) pairs."""
    from django.utils import timezone
    from oauth2_provider.models import get_application_model

    from firmid.oidc.models import Grant

    application = get_application_model().objects.get(client_id=client.client_id)
    now = timezone.now()
    pairs = [(secrets.token_urlsafe(24), secrets.token_urlsafe(48)) for _ in range(count)]
    Grant.objects.bulk_create(
        Grant(
            user=user,
            application=application,
            code=code,
            expires=now + timedelta(minutes=10),
            redirect_uri=REDIRECT_URI,
            scope="openid profile email",
            nonce=secrets.token_urlsafe(12),
            code_challenge=base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode(),
            code_challenge_method="S256",
            auth_time=now,
            amr=["pwd", "otp", "mfa"],
            acr="urn:firmid:acr:mfa",
        )
        for code, verifier in pairs
    )
    return pairs


def _post(client: Client, data: dict[str, str]) -> dict:
    from django.test import Client as HttpClient

    headers = {}
    if client.secret is None:
        data = {**data, "client_id": client.client_id}
    else:
        raw = f"{client.client_id}:{client.secret}".encode()
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(raw).decode()
    response = HttpClient().post("/oauth/token/", data, **headers)
    if response.status_code != 200:
        raise RuntimeError(
            f"{client.label}: token endpoint answered {response.status_code}: {response.content[:200]!r}"
        )
    return response.json()


def _run(
    client: Client, user, args: argparse.Namespace, figures: Figures
) -> dict[str, tuple[list[float], list[float]]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pairs = _grants(client, user, args.warmup + args.n + 1)
    timings: dict[str, tuple[list[float], list[float]]] = {operation: ([], []) for operation in OPERATIONS}
    # One more of each, untimed, to count its SQL queries.
    code, verifier = pairs.pop()
    with CaptureQueriesContext(connection) as exchange_queries:
        counted = _post(
            client,
            {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
        )
    with CaptureQueriesContext(connection) as refresh_queries:
        _post(client, {"grant_type": "refresh_token", "refresh_token": counted["refresh_token"]})
    figures.queries[(client.label, "code exchange")] = len(exchange_queries)
    figures.queries[(client.label, "refresh")] = len(refresh_queries)
    refresh_tokens = []
    for number, (code, verifier) in enumerate(pairs):
        started, cpu = time.perf_counter(), time.process_time()
        tokens = _post(
            client,
            {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
        )
        if number >= args.warmup:
            timings["code exchange"][0].append(time.perf_counter() - started)
            timings["code exchange"][1].append(time.process_time() - cpu)
        if "id_token" not in tokens:
            raise RuntimeError(f"{client.label}: no ID token issued")
        refresh_tokens.append(tokens["refresh_token"])
    for number, refresh_token in enumerate(refresh_tokens):
        started, cpu = time.perf_counter(), time.process_time()
        _post(client, {"grant_type": "refresh_token", "refresh_token": refresh_token})
        if number >= args.warmup:
            timings["refresh"][0].append(time.perf_counter() - started)
            timings["refresh"][1].append(time.process_time() - cpu)
    return timings


def _print_secret_cost(clients: list[Client], figures: Figures) -> None:
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    for client in clients:
        if client.secret is None or client.stored_with in figures.secret_verify_ms:
            continue
        encoded = make_password(client.secret, hasher=get_hasher(client.stored_with))
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            check_password(client.secret, encoded)
            samples.append(time.perf_counter() - started)
        figures.secret_verify_ms[client.stored_with] = statistics.median(samples) * 1000
    print("note: client_secret_basic and client_secret_post verify the client secret with the hasher it is")
    print("      stored with, on every token request (exchange and refresh alike): with the password hasher")
    print("      (Argon2id at firmid's cost) that is a whole password hash per request; a public client (PKCE,")
    print("      no secret) pays nothing. One verify, median of 5:")
    for algorithm, milliseconds in figures.secret_verify_ms.items():
        print(f"        {algorithm}: {milliseconds:.2f} ms")


if __name__ == "__main__":
    main()
