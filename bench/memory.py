"""Memory: the server-side session of a signed-in user, and one worker's RSS over many sign-ins.

    .venv/bin/python bench/memory.py [--signins 10000] [--sample-every 1000] [--users 1000]

Starts a throw-away PostgreSQL (re-running itself under scripts/with-services unless
DATABASE_URL is PostgreSQL), migrates, starts gunicorn with ONE sync worker
(config.settings.bench, DEBUG=false), then:

1. signs a user with TOTP in (authorization request → password → code → tokens) and reads
   their row of django_session: the stored `session_data` (signed, compressed) in bytes and
   the decoded session as JSON in bytes (also for a user without MFA);
2. runs --signins full sign-ins of users without MFA (Upon request: authorization request →
   password → code → tokens; Argon2id at firmid's full cost) with --clients concurrent
   clients, and samples the worker's VmRSS (/proc/<pid>/status) every --sample-every
   sign-ins. Target: RSS at the end within --max-growth % of RSS at --baseline sign-ins
   (after warm-up).

Prints PASS or FAIL per target and exits non-zero on any FAIL.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common.clients import TRANSPORT_ERRORS, WireHttp, loopback_addresses
from bench.common.flows import SignInError, sign_in
from bench.common.machine import machine_line
from bench.common.processes import rss_kib
from bench.common.seed import BenchApp, BenchUser, create_bench_users, register_bench_app
from bench.common.servers import (
    BENCH_SETTINGS,
    Gunicorn,
    ensure_postgres,
    free_port,
    server_environ,
    setup_django,
)
from bench.common.stats import Targets


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signins", type=int, default=10_000, help="sign-ins against the one worker")
    parser.add_argument("--sample-every", type=int, default=1_000, help="sign-ins between two RSS samples")
    parser.add_argument("--baseline", type=int, default=2_000, help="the sample the end is compared to")
    parser.add_argument("--users", type=int, default=1_000, help="users without MFA, signing in in turn")
    parser.add_argument("--clients", type=int, default=2, help="concurrent clients")
    parser.add_argument("--max-growth", type=float, default=5.0, help="target: RSS growth in %% after the baseline")
    parser.add_argument("--timeout", type=float, default=3600, help="stop signing in after this many seconds")
    return parser.parse_args(argv)


@dataclass
class Figures:
    session_bytes: dict[str, int] = field(default_factory=dict)
    session_json_bytes: dict[str, int] = field(default_factory=dict)
    session_keys: dict[str, list[str]] = field(default_factory=dict)
    rss_kib: dict[int, int] = field(default_factory=dict)  # sign-ins done -> worker VmRSS
    signins: int = 0
    errors: int = 0
    seconds: float = 0.0
    targets: Targets = field(default_factory=Targets)


def session_size(http: WireHttp) -> tuple[int, int, list[str]]:
    """Stored bytes and decoded JSON bytes of the session behind the browser's cookie."""
    from django.conf import settings
    from django.contrib.sessions.models import Session

    key = http.cookie(settings.SESSION_COOKIE_NAME)
    row = Session.objects.get(session_key=key)
    decoded = row.get_decoded()
    return len(row.session_data.encode()), len(json.dumps(decoded, separators=(",", ":")).encode()), sorted(decoded)


def main(argv: Sequence[str] | None = None) -> Figures:
    args = parse_args(argv)
    ensure_postgres(__file__, sys.argv[1:] if argv is None else argv)
    port = free_port()
    environ = server_environ(port)
    setup_django(BENCH_SETTINGS, environ)
    from django.conf import settings

    print(machine_line(), flush=True)
    print(
        f"Argon2id: m={settings.FIRMID_ARGON2_MEMORY_KIB} KiB, t={settings.FIRMID_ARGON2_TIME_COST}, "
        f"p={settings.FIRMID_ARGON2_PARALLELISM} (firmid's full cost); gunicorn: 1 sync worker"
    )
    figures = Figures()
    tag = uuid.uuid4().hex[:8]
    with_mfa = create_bench_users(count=1, with_totp=True, tag=f"{tag}m", firm_name=f"Bench memory MFA {tag}")
    users = create_bench_users(count=args.users, with_totp=False, tag=tag, firm_name=f"Bench memory {tag}")
    app = register_bench_app()
    addresses = loopback_addresses(1_000)
    from django.db import connections

    connections.close_all()

    with Gunicorn(port=port, workers=1, environ={**environ, "DATABASE_CONN_MAX_AGE": "60"}) as server:
        worker = server.workers()[0]
        for label, user in (("with MFA", with_mfa[0]), ("without MFA", users[0])):
            http = WireHttp(server.base, addresses[0])
            sign_in(http, app, user)
            stored, decoded, keys = session_size(http)
            http.close()
            figures.session_bytes[label], figures.session_json_bytes[label] = stored, decoded
            figures.session_keys[label] = keys
            print(
                f"session of a user signed in {label}: session_data {stored} bytes stored, "
                f"{decoded} bytes as JSON; keys {keys}"
            )
        connections.close_all()
        _sign_in_many(args, figures, server, app, users, addresses, worker)
    _conclude(args, figures)
    return figures


def _sign_in_many(
    args: argparse.Namespace,
    figures: Figures,
    server: Gunicorn,
    app: BenchApp,
    users: list[BenchUser],
    addresses: list[str],
    worker: int,
) -> None:
    lock = threading.Lock()
    state = {"next": 0, "done": 0}
    figures.rss_kib[0] = rss_kib(worker)
    print(f"worker {worker} VmRSS: {figures.rss_kib[0] / 1024:.1f} MiB after {0:>6,} sign-ins", flush=True)
    started = time.monotonic()

    def client() -> None:
        while time.monotonic() - started < args.timeout:
            with lock:
                n = state["next"]
                if n >= args.signins:
                    return
                state["next"] += 1
            http = WireHttp(server.base, addresses[n % len(addresses)])
            try:
                sign_in(http, app, users[n % len(users)])
            except (SignInError, *TRANSPORT_ERRORS) as error:
                with lock:
                    figures.errors += 1
                    if figures.errors <= 3:
                        print(f"  sign-in failed: {error}", flush=True)
            finally:
                http.close()
            with lock:
                state["done"] += 1
                done = state["done"]
                if done % args.sample_every == 0 or done == args.signins:
                    figures.rss_kib[done] = rss_kib(worker)
                    print(
                        f"worker {worker} VmRSS: {figures.rss_kib[done] / 1024:.1f} MiB after {done:>6,} sign-ins "
                        f"({time.monotonic() - started:.0f} s)",
                        flush=True,
                    )

    threads = [threading.Thread(target=client, daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures.signins = state["done"]
    figures.seconds = time.monotonic() - started
    if figures.signins not in figures.rss_kib and worker in server.workers():  # stopped by --timeout
        figures.rss_kib[figures.signins] = rss_kib(worker)
        print(
            f"worker {worker} VmRSS: {figures.rss_kib[figures.signins] / 1024:.1f} MiB after "
            f"{figures.signins:>6,} sign-ins (time budget spent)",
            flush=True,
        )
    if worker not in server.workers():
        print("  the worker was replaced during the run: its RSS series is not comparable")
        figures.errors += 1


def _conclude(args: argparse.Namespace, figures: Figures) -> None:
    targets = figures.targets
    print(
        f"{figures.signins:,} sign-ins in {figures.seconds:.0f} s "
        f"({figures.signins / max(figures.seconds, 1e-9):.1f}/s), {figures.errors} failed"
    )
    print("RSS series (sign-ins: MiB): " + ", ".join(f"{n:,}: {kib / 1024:.1f}" for n, kib in figures.rss_kib.items()))
    last = max(figures.rss_kib)
    baseline = min((n for n in figures.rss_kib if n >= args.baseline), default=last)
    growth = (figures.rss_kib[last] - figures.rss_kib[baseline]) / figures.rss_kib[baseline] * 100
    targets.check(
        f"RSS after {last:,} sign-ins vs after {baseline:,}: {growth:+.1f} % (target <= {args.max_growth:.0f} %)",
        growth <= args.max_growth,
    )
    targets.check(f"every sign-in completed ({figures.errors} failed)", figures.errors == 0)
    targets.result()


if __name__ == "__main__":
    sys.exit(1 if main().targets.failures else 0)
