"""Full OpenID Connect sign-ins with TOTP by concurrent clients against gunicorn on PostgreSQL.

    .venv/bin/python bench/signin.py [--users 4000] [--clients 2,4,8] [--seconds 30]
                                     [--steady-seconds 60] [--argon2-seconds 20]

Starts a throw-away PostgreSQL (re-running itself under scripts/with-services unless
DATABASE_URL is PostgreSQL), migrates, creates --users practitioners with a TOTP factor
(known seeds) and a confidential application, then:

1. counts, in this process through Django's test client, the SQL queries and the
   password-hasher operations of one sign-in;
2. measures the bare Argon2id verify rate with firmid's parameters, one process per core;
3. starts gunicorn (config.settings.bench, DEBUG=false, one sync worker per core) and runs
   closed-loop clients (each a thread, each sign-in a new cookie jar and a new loopback
   source address) doing: authorization request (PKCE S256, state, nonce) → sign-in page →
   password → code page → TOTP code → authorization again → code at the redirect URI (not
   fetched) → token request (client_secret_basic) → tokens; one run per --clients value;
4. measures the Argon2id verify rate again, and prints sign-ins per second per core against
   it (target ratio >= --min-ratio);
5. offers sign-ins at --load (80 %) of the best rate, on a fixed schedule (latency counted
   from the scheduled start, so a slow server cannot hide its queue), and prints p50/p95/p99
   (target p95 < --max-p95-ms).

Every user signs in at most once per 65 s (a TOTP code is accepted once per 30-s step).
allauth's rate limits stay on (they are per address: the clients use many loopback
addresses) unless --rate-limits off, which sets FIRMID_RATE_LIMITS_OFF=1 (bench only).
Prints PASS or FAIL per target and exits non-zero on any FAIL.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import multiprocessing
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common.clients import TRANSPORT_ERRORS, DjangoHttp, WireHttp, loopback_addresses
from bench.common.flows import SignInError, sign_in
from bench.common.machine import core_count, machine_line
from bench.common.processes import CpuMeter
from bench.common.seed import (
    BENCH_PASSWORD,
    BenchApp,
    BenchUser,
    create_bench_users,
    register_bench_app,
)
from bench.common.servers import (
    BENCH_SETTINGS,
    Gunicorn,
    ensure_postgres,
    free_port,
    server_environ,
    setup_django,
)
from bench.common.stats import Targets, count_hashing, ms, percentile


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cores = core_count()
    parser.add_argument("--users", type=int, default=4_000, help="users with TOTP (each signs in once per 65 s)")
    parser.add_argument(
        "--clients",
        default=f"{cores},{2 * cores},{4 * cores}",
        help="concurrent clients of each closed-loop run, comma-separated",
    )
    parser.add_argument("--seconds", type=float, default=30, help="length of each closed-loop run")
    parser.add_argument("--steady-seconds", type=float, default=60, help="length of the run at --load")
    parser.add_argument("--argon2-seconds", type=float, default=20, help="length of each Argon2id rate run")
    parser.add_argument("--load", type=float, default=0.8, help="share of the best rate offered in the last run")
    parser.add_argument("--workers", type=int, default=cores, help="gunicorn workers (default: one per core)")
    parser.add_argument("--warmup", type=int, default=2 * cores, help="sign-ins before measuring (not counted)")
    parser.add_argument("--in-process", type=int, default=20, help="sign-ins timed step by step in this process")
    parser.add_argument(
        "--in-process-only", action="store_true", help="stop after the in-process figures (no Argon2 rate, no gunicorn)"
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        default="",
        help="write a cProfile of the in-process sign-ins (after the first) to FILE",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="DATABASE_CONN_MAX_AGE of gunicorn (docs/deployment.md advises persistent connections)",
    )
    parser.add_argument(
        "--rate-limits", choices=("on", "off"), default="on", help="off sets FIRMID_RATE_LIMITS_OFF=1 (bench only)"
    )
    parser.add_argument("--redis", action="store_true", help="with Redis as the shared cache (REDIS_URL)")
    parser.add_argument(
        "--secret-hasher",
        default="",
        help="store the client secret with this hasher (e.g. argon2) instead of the configured one",
    )
    parser.add_argument("--min-ratio", type=float, default=0.5, help="target: sign-in rate / Argon2id verify rate")
    parser.add_argument("--max-p95-ms", type=float, default=250, help="target: p95 latency at --load")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds in all")
    return parser.parse_args(argv)


@dataclass
class Phase:
    label: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)
    offered: float | None = None

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def line(self, cores: int) -> str:
        n = max(len(self.latencies), 1)
        cpu = ", ".join(f"{name} {self.cpu.get(name, 0) / n * 1000:.1f}" for name in ("gunicorn", "postgres", "client"))
        offered = f" (offered {self.offered:.1f}/s)" if self.offered else ""
        return (
            f"  {self.label}: {len(self.latencies)} sign-ins in {self.seconds:.1f} s = {self.rate:.2f}/s{offered}"
            f" = {self.rate / cores:.2f}/s/core; p50 {ms(percentile(self.latencies, 50))}, "
            f"p95 {ms(percentile(self.latencies, 95))}, p99 {ms(percentile(self.latencies, 99))}; "
            f"errors {dict(self.errors) or 0}; CPU ms per sign-in: {cpu}"
        )


@dataclass
class Figures:
    argon2_ops: dict[str, int] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)
    step_cpu: dict[str, float] = field(default_factory=dict)  # median CPU s of this process per step
    argon2_rates: list[float] = field(default_factory=list)  # verifies per second per core
    argon2_cpu_per_verify: float = 0.0
    phases: list[Phase] = field(default_factory=list)
    best: Phase | None = None
    steady: Phase | None = None
    ratio: float = 0.0
    cpu_ratio: float = 0.0
    targets: Targets = field(default_factory=Targets)


class UserPool:
    """Users handed out so that none signs in twice within `reuse_after` seconds."""

    def __init__(self, users: Sequence[BenchUser], reuse_after: float = 65) -> None:
        self.ready: deque[tuple[float, BenchUser]] = deque((0.0, u) for u in users)
        self.reuse_after = reuse_after
        self.lock = threading.Lock()
        self.waits = 0

    def take(self, deadline: float) -> BenchUser | None:
        while True:
            with self.lock:
                if self.ready:
                    ready_at, user = self.ready[0]
                    if ready_at <= time.monotonic():
                        self.ready.popleft()
                        return user
                    wait = ready_at - time.monotonic()
                else:
                    wait = 0.05
                self.waits += 1
            if time.monotonic() + wait > deadline:
                return None
            time.sleep(max(wait, 0.001))

    def give_back(self, user: BenchUser) -> None:
        with self.lock:
            self.ready.append((time.monotonic() + self.reuse_after, user))


class Load:
    """What every client thread shares: server, application, users and source addresses."""

    def __init__(self, server: Gunicorn, app: BenchApp, pool: UserPool) -> None:
        self.server = server
        self.app = app
        self.pool = pool
        self.addresses = itertools.cycle(loopback_addresses(1_000))
        self.lock = threading.Lock()

    def one(self, phase: Phase, deadline: float, scheduled: float | None = None) -> None:
        user = self.pool.take(deadline)
        if user is None:
            phase.errors["no user ready"] += 1
            return
        with self.lock:
            address = next(self.addresses)
        http = WireHttp(self.server.base, address)
        started = time.perf_counter() if scheduled is None else scheduled
        try:
            sign_in(http, self.app, user)
            elapsed = time.perf_counter() - started
            with self.lock:
                phase.latencies.append(elapsed)
        except SignInError as error:
            with self.lock:
                phase.errors[error.step] += 1
                if sum(phase.errors.values()) <= 3:
                    print(f"    sign-in failed: {error}", flush=True)
        except TRANSPORT_ERRORS as error:
            with self.lock:
                phase.errors[type(error).__name__] += 1
        finally:
            http.close()
            self.pool.give_back(user)

    def closed_loop(self, clients: int, seconds: float) -> Phase:
        """`clients` threads signing in back to back for `seconds`."""
        phase = Phase(f"{clients:>3} clients")
        meter = CpuMeter(self.server)
        started = time.perf_counter()
        stop = started + seconds

        def client() -> None:
            while time.perf_counter() < stop:
                self.one(phase, deadline=time.monotonic() + seconds)

        threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        phase.seconds = time.perf_counter() - started
        phase.cpu = meter.used()
        return phase

    def scheduled(self, rate: float, seconds: float, threads: int) -> Phase:
        """Sign-ins started every 1/rate s for `seconds`; latency counts from the scheduled start."""
        phase = Phase(f"at {rate:.1f}/s", offered=rate)
        total = max(int(rate * seconds), 1)
        counter = itertools.count()
        meter = CpuMeter(self.server)
        origin = time.perf_counter() + 0.2

        def client() -> None:
            while True:
                with self.lock:
                    n = next(counter)
                if n >= total:
                    return
                at = origin + n / rate
                time.sleep(max(0.0, at - time.perf_counter()))
                # A sign-in that finds no user free by the end of the run counts as failed.
                self.one(
                    phase, deadline=time.monotonic() + max(origin + seconds - time.perf_counter(), 1.0), scheduled=at
                )

        workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(timeout=seconds + 180)
        phase.seconds = time.perf_counter() - origin
        phase.cpu = meter.used()
        return phase


def _argon2_worker(arguments: tuple[float, int, int, int]) -> tuple[int, float]:
    seconds, memory_kib, time_cost, parallelism = arguments
    import argon2

    hasher = argon2.PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=argon2.Type.ID
    )
    encoded = hasher.hash(BENCH_PASSWORD)
    cpu_started = time.process_time()
    stop = time.perf_counter() + seconds
    count = 0
    while time.perf_counter() < stop:
        hasher.verify(encoded, BENCH_PASSWORD)
        count += 1
    return count, time.process_time() - cpu_started


def argon2_rate(seconds: float, processes: int) -> tuple[float, float]:
    """Bare Argon2id verifies per second per core (one process per core), and CPU s per verify."""
    from django.conf import settings

    params = (
        seconds,
        settings.FIRMID_ARGON2_MEMORY_KIB,
        settings.FIRMID_ARGON2_TIME_COST,
        settings.FIRMID_ARGON2_PARALLELISM,
    )
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(_argon2_worker, [params] * processes)
    count = sum(c for c, _ in results)
    return count / seconds / processes, sum(cpu for _, cpu in results) / max(count, 1)


def in_process(app: BenchApp, users: Sequence[BenchUser], figures: Figures, profile: str = "") -> None:
    """Sign-ins in this process (Django's test client): hasher operations, queries, CPU per step.

    The first sign-in counts the password-hasher operations and the SQL queries of each
    step; the others (after it) measure this process's CPU time per step, which is the
    application's share (PostgreSQL's is not in it; the test client's small share is).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    addresses = iter(loopback_addresses(len(users)))
    marks: list[tuple[str, int]] = []
    with CaptureQueriesContext(connection) as queries:

        def run() -> None:
            sign_in(
                DjangoHttp(remote_addr=next(addresses)),
                app,
                users[0],
                on_step=lambda name: marks.append((name, len(queries))),
            )

        figures.argon2_ops = count_hashing(run)
    previous = 0
    for name, total in marks:
        figures.queries[name] = total - previous
        if os.environ.get("FIRMID_BENCH_PRINT_SQL"):
            for query in queries.captured_queries[previous:total]:
                print(f"    {name}: {query['sql'][:150]}")
        previous = total
    cpu: dict[str, list[float]] = {}
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    for user in users[1:]:
        last = time.process_time()

        def mark(name: str) -> None:
            nonlocal last
            now = time.process_time()
            cpu.setdefault(name, []).append(now - last)
            last = now

        sign_in(DjangoHttp(remote_addr=next(addresses)), app, user, on_step=mark)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    figures.step_cpu = {name: statistics.median(samples) for name, samples in cpu.items()}


def main(argv: Sequence[str] | None = None) -> Figures:
    args = parse_args(argv)
    ensure_postgres(__file__, sys.argv[1:] if argv is None else argv, redis=args.redis)
    started = time.monotonic()
    cores = core_count()
    port = free_port()
    environ = server_environ(port, **({"FIRMID_RATE_LIMITS_OFF": "1"} if args.rate_limits == "off" else {}))
    setup_django(BENCH_SETTINGS, environ)
    figures = Figures()
    print(machine_line(), flush=True)
    from django.conf import settings
    from django.db import connections

    print(
        f"Argon2id: m={settings.FIRMID_ARGON2_MEMORY_KIB} KiB, t={settings.FIRMID_ARGON2_TIME_COST}, "
        f"p={settings.FIRMID_ARGON2_PARALLELISM}; gunicorn: {args.workers} sync workers, "
        f"DATABASE_CONN_MAX_AGE={args.conn_max_age}; cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; "
        f"rate limits {args.rate_limits}; "
        f"client secret stored with {args.secret_hasher or 'the configured hasher'}"
    )

    tag = uuid.uuid4().hex[:8]
    loading = time.perf_counter()
    local = 1 + args.in_process
    users = create_bench_users(count=args.users + local, with_totp=True, tag=tag, firm_name=f"Bench sign-in {tag}")
    app = register_bench_app(secret_hasher=args.secret_hasher or None)
    print(f"loaded: {len(users):,} users with TOTP and one application in {time.perf_counter() - loading:.1f} s")

    in_process(app, users[:local], figures, args.profile)
    argon2_ops = sum(n for key, n in figures.argon2_ops.items() if key.startswith("argon2"))
    print(f"one sign-in in this process: password-hasher operations {figures.argon2_ops} = {argon2_ops} Argon2id")
    print(f"  SQL queries per step: {figures.queries} (total {sum(figures.queries.values())})")
    if figures.step_cpu:
        print(
            f"  application CPU per step, median of {args.in_process} (ms): "
            + ", ".join(f"{name} {seconds * 1000:.1f}" for name, seconds in figures.step_cpu.items())
            + f" (total {sum(figures.step_cpu.values()) * 1000:.1f})"
        )
    connections.close_all()
    if args.in_process_only:
        return figures

    rate, figures.argon2_cpu_per_verify = argon2_rate(args.argon2_seconds, cores)
    figures.argon2_rates.append(rate)
    print(
        f"Argon2id verify, {cores} processes for {args.argon2_seconds:g} s: {rate:.2f}/s/core "
        f"({figures.argon2_cpu_per_verify * 1000:.1f} ms CPU each)",
        flush=True,
    )

    gunicorn_environ = {**environ, "DATABASE_CONN_MAX_AGE": str(args.conn_max_age)}
    with Gunicorn(port=port, workers=args.workers, environ=gunicorn_environ) as server:
        load = Load(server, app, UserPool(users[local:]))
        warmup = Phase("warm-up")
        for _ in range(args.warmup):
            load.one(warmup, deadline=time.monotonic() + 30)
        if warmup.errors:
            print(f"warm-up errors: {dict(warmup.errors)}\n{server.tail()}")
        print("closed loop (each client signs in back to back):", flush=True)
        for clients in (int(c) for c in args.clients.split(",")):
            if time.monotonic() - started > args.timeout:
                print("  (time budget spent: stopping the sweep)")
                break
            phase = load.closed_loop(clients, args.seconds)
            figures.phases.append(phase)
            print(phase.line(cores), flush=True)
        figures.best = max(figures.phases, key=lambda p: p.rate)
        offered = figures.best.rate * args.load
        print(f"scheduled at {args.load:.0%} of the best rate ({figures.best.rate:.2f}/s):", flush=True)
        figures.steady = load.scheduled(offered, args.steady_seconds, threads=max(32, 8 * cores))
        print(figures.steady.line(cores), flush=True)
        if load.pool.waits:
            print(f"  (clients waited {load.pool.waits} times for a user free to sign in again: use more --users)")
        errors_in_log = [line for line in server.tail(200).splitlines() if "Error" in line or "Traceback" in line]

    rate, _ = argon2_rate(args.argon2_seconds, cores)
    figures.argon2_rates.append(rate)
    print(f"Argon2id verify again after the load: {rate:.2f}/s/core", flush=True)
    _conclude(args, figures, cores, argon2_ops, errors_in_log)
    print(f"total time {time.monotonic() - started:.0f} s")
    return figures


def _conclude(args: argparse.Namespace, figures: Figures, cores: int, argon2_ops: int, log_errors: list[str]) -> None:
    best = figures.best
    argon2 = sum(figures.argon2_rates) / len(figures.argon2_rates)
    per_core = best.rate / cores
    figures.ratio = per_core / argon2 if argon2 else 0.0
    server_cpu = (best.cpu.get("gunicorn", 0) + best.cpu.get("postgres", 0)) / max(len(best.latencies), 1)
    figures.cpu_ratio = figures.argon2_cpu_per_verify / server_cpu if server_cpu else 0.0
    print("figures:")
    print(
        f"  best: {best.label.strip()}, {best.rate:.2f} sign-ins/s = {per_core:.2f}/s/core; "
        f"p50 {ms(percentile(best.latencies, 50))}, p95 {ms(percentile(best.latencies, 95))}, "
        f"p99 {ms(percentile(best.latencies, 99))}"
    )
    print(f"  Argon2id verify rate (mean of before and after): {argon2:.2f}/s/core")
    print(f"  Argon2id operations per sign-in: {argon2_ops} (so the ratio cannot exceed {1 / max(argon2_ops, 1):.2f})")
    print(
        f"  server CPU per sign-in (gunicorn + PostgreSQL): {server_cpu * 1000:.1f} ms; "
        f"per Argon2id verify: {figures.argon2_cpu_per_verify * 1000:.1f} ms; CPU ratio {figures.cpu_ratio:.2f}"
    )
    targets = figures.targets
    targets.check(
        f"sign-in rate / Argon2id verify rate per core = {per_core:.2f} / {argon2:.2f} = "
        f"{figures.ratio:.2f} (target >= {args.min_ratio})",
        figures.ratio >= args.min_ratio,
    )
    p95 = percentile(figures.steady.latencies, 95) * 1000
    targets.check(
        f"p95 at {args.load:.0%} of the best rate = {p95:.0f} ms (target < {args.max_p95_ms:.0f} ms)",
        p95 < args.max_p95_ms,
    )
    failed = sum(sum(p.errors.values()) for p in [*figures.phases, figures.steady])
    targets.check(f"every sign-in completed ({failed} failed)", failed == 0)
    if log_errors:
        print("  gunicorn logged errors:\n    " + "\n    ".join(log_errors[:10]))
    targets.result()


if __name__ == "__main__":
    sys.exit(1 if main().targets.failures else 0)
