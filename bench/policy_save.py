"""Policy save and sign-in decision: neither may grow with the number of users of a firm.

    .venv/bin/python bench/policy_save.py [--small 1000] [--big 1000000]
                                          [--decision-small 10] [--decision-big 100000]

Loads firms of the given sizes into a fresh temporary SQLite file (or the DATABASE_URL of
the environment), then:

1. times `firm_set_mfa_levels` saving the practitioners' level in the small and in the big
   firm (alternating saves, median of --repeat) — target: big / small <= --max-ratio;
2. counts the SQL queries of one sign-in decision (`user_mfa_decision`) for a user of the
   small and of the big decision firm — target: equal.

Prints PASS or FAIL per target and exits non-zero on any FAIL.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common.machine import machine_line  # noqa: E402
from bench.common.seed import support_agent  # noqa: E402
from bench.common.servers import setup_django  # noqa: E402
from bench.common.stats import median_seconds  # noqa: E402

LEVELS = ("mandatory", "suggested")


@dataclass
class Figures:
    save_seconds: dict[int, float] = field(default_factory=dict)  # firm size -> median save time
    decision_queries: dict[int, int] = field(default_factory=dict)  # firm size -> queries of one decision
    decision_seconds: dict[int, float] = field(default_factory=dict)  # firm size -> median decision time
    failures: list[str] = field(default_factory=list)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1_000, help="users of the small firm (policy save)")
    parser.add_argument("--big", type=int, default=1_000_000, help="users of the big firm (policy save)")
    parser.add_argument("--decision-small", type=int, default=10, help="users of the small firm (decision)")
    parser.add_argument("--decision-big", type=int, default=100_000, help="users of the big firm (decision)")
    parser.add_argument("--repeat", type=int, default=31, help="timed saves per firm (the median is kept)")
    parser.add_argument("--max-ratio", type=float, default=1.5, help="target: big save time / small save time")
    parser.add_argument("--batch", type=int, default=20_000, help="rows per INSERT batch")
    return parser.parse_args(argv)


def prepare_database() -> str:
    """Configure Django on a fresh SQLite file unless DATABASE_URL is given; migrate; return the URL."""
    if not os.environ.get("DATABASE_URL"):
        directory = tempfile.mkdtemp(prefix="firmid-bench-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not one JSON audit line per save
    setup_django("config.settings.test")
    return os.environ["DATABASE_URL"]


def main(argv: Sequence[str] | None = None) -> Figures:
    """Run the benchmark and print its figures; inside a configured Django (tests), use its database."""
    args = parse_args(argv)
    from django.apps import apps

    if not apps.ready:
        print(f"database: {prepare_database()}")
    print(machine_line())
    figures = Figures()
    _bench_policy_save(args, figures)
    _bench_decision(args, figures)
    print("RESULT: " + ("PASS" if not figures.failures else "FAIL (" + "; ".join(figures.failures) + ")"))
    return figures


def _bench_policy_save(args: argparse.Namespace, figures: Figures) -> None:
    from firmid.mfa.levels.services import firm_set_mfa_levels
    from firmid.policy import MfaLevel, UserType

    actor = support_agent()
    firms = {size: _loaded_firm(size, args.batch) for size in (args.small, args.big)}
    times: dict[int, list[float]] = {size: [] for size in firms}
    for round_ in range(args.repeat + 1):
        level = MfaLevel(LEVELS[round_ % 2])
        # Alternate which firm goes first, so that neither gains from the order.
        for size, firm in list(firms.items())[:: 1 if round_ % 2 else -1]:
            started = time.perf_counter()
            firm_set_mfa_levels(actor=actor, firm=firm, levels={UserType.PRACTITIONERS: level})
            if round_:  # the first round warms caches up and is not counted
                times[size].append(time.perf_counter() - started)
    figures.save_seconds = {size: statistics.median(samples) for size, samples in times.items()}
    ratio = figures.save_seconds[args.big] / figures.save_seconds[args.small]
    print(f"policy save (firm_set_mfa_levels, median of {args.repeat}):")
    for size, seconds in figures.save_seconds.items():
        print(f"  firm of {size:>11,} users: {seconds * 1000:8.2f} ms")
    _target(figures, f"save time ratio big/small = {ratio:.2f} (target <= {args.max_ratio})", ratio <= args.max_ratio)


def _bench_decision(args: argparse.Namespace, figures: Figures) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from firmid.accounts.models import User
    from firmid.mfa.selectors import user_mfa_decision

    print("sign-in decision (user_mfa_decision):")
    for size in (args.decision_small, args.decision_big):
        firm = _loaded_firm(size, args.batch)
        user = User.objects.filter(firm=firm).order_by("-pk").first()
        with CaptureQueriesContext(connection) as queries:
            user_mfa_decision(user=user)
        figures.decision_queries[size] = len(queries)
        figures.decision_seconds[size] = median_seconds(lambda user=user: user_mfa_decision(user=user), args.repeat)
        print(
            f"  firm of {size:>11,} users: {len(queries)} SQL quer{'y' if len(queries) == 1 else 'ies'}, "
            f"{figures.decision_seconds[size] * 1000:.2f} ms"
        )
    counts = list(figures.decision_queries.values())
    _target(figures, f"decision queries equal ({counts[0]} and {counts[1]})", counts[0] == counts[1])


def _target(figures: Figures, label: str, passed: bool) -> None:
    print(f"  {'PASS' if passed else 'FAIL'}: {label}")
    if not passed:
        figures.failures.append(label)


def _loaded_firm(size: int, batch: int):
    """Create a firm of `size` practitioners: the type whose level is saved, so every user is concerned."""
    from firmid.tenancy.services import firm_create

    tag = uuid.uuid4().hex[:8]
    firm = firm_create(name=f"Bench firm of {size:,} users {tag}")
    started = time.perf_counter()
    _insert_practitioners(firm, size, tag, batch)
    print(f"loaded: firm of {size:,} users in {time.perf_counter() - started:.1f} s")
    return firm


def _insert_practitioners(firm, size: int, tag: str, batch: int) -> None:
    """Insert users with one precomputed password hash, by batches of plain INSERTs (no ORM objects)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from firmid.accounts.models import Role, User

    constant = {
        "password": make_password("bench-password"),  # one Argon2 hash for every row
        "full_name": "Bench User",
        "role": Role.PRACTITIONER.value,
        "firm": firm.pk,
        "mfa_individually_activated": False,
        "is_active": True,
        "session_generation": 0,
        "date_joined": timezone.now(),
    }
    fields = [User._meta.get_field(name) for name in ("public_id", "email", *constant)]
    prepared = [f.get_db_prep_save(value, connection) for f, value in zip(fields[2:], constant.values(), strict=True)]
    public_id = fields[0]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(User._meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, size, batch):
            rows = [
                (public_id.get_db_prep_save(uuid.uuid4(), connection), f"u{n}.{tag}@bench.test", *prepared)
                for n in range(start, min(size, start + batch))
            ]
            cursor.executemany(sql, rows)


if __name__ == "__main__":
    sys.exit(1 if main().failures else 0)
