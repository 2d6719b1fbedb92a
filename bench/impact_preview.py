"""Impact preview and the export of users without MFA, for a firm of 100,000 users.

    .venv/bin/python bench/impact_preview.py [--users 100000] [--repeat 7] [--postgres]

Loads one firm into a fresh temporary SQLite file (or the DATABASE_URL of the environment;
--postgres re-runs itself under scripts/with-services, a throw-away PostgreSQL): 10 %
practitioners, 20 % clients, 70 % client employees; every 4th user with an authenticator
app, every 7th with a passkey; every 53rd individually activated; last sign-ins spread
over 90 days, every 7th never; practitioners Mandatory, clients Suggested, employees Upon
request. Then prints, with PASS/FAIL (median of --repeat after one warm-up run):

1. the impact preview (`level_change_impact`) of a change of every type at once
   (practitioners passkeys only, clients Mandatory from a later date, employees
   Suggested): SQL queries and time — target < --max-preview s (0.5);
2. the CSV export of the users without MFA (the Administration view, every row streamed,
   its audit row included): rows, bytes and time — target < --max-export s (2).

Exits non-zero on any FAIL.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common.machine import machine_line
from bench.common.seed import BENCH_PASSWORD, USER_COLUMNS, support_agent
from bench.common.servers import ensure_postgres, setup_django
from bench.common.stats import Targets, ms

# The role of the i-th user, by i % 10: 10 % practitioners, 20 % clients, 70 % client employees.
ROLE_CYCLE = ["practitioner", "client_administrator", "standard_client"] + ["client_employee"] * 7


@dataclass
class Figures:
    users: int = 0
    load_seconds: float = 0.0
    preview_queries: int = 0
    preview_seconds: float = 0.0
    preview_cpu_seconds: float = 0.0
    export_rows: int = 0
    export_bytes: int = 0
    export_seconds: float = 0.0
    export_cpu_seconds: float = 0.0
    targets: Targets = field(default_factory=Targets)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000, help="users of the firm")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs after a warm-up (the median is kept)")
    parser.add_argument("--max-preview", type=float, default=0.5, help="target (s): the impact preview")
    parser.add_argument("--max-export", type=float, default=2.0, help="target (s): the CSV export")
    parser.add_argument("--postgres", action="store_true", help="run on a throw-away PostgreSQL")
    parser.add_argument("--batch", type=int, default=20_000, help="rows per INSERT batch")
    return parser.parse_args(argv)


def prepare_database(args: argparse.Namespace, argv: Sequence[str]) -> str:
    """PostgreSQL under scripts/with-services if asked, else a fresh SQLite file unless DATABASE_URL is set."""
    if args.postgres:
        ensure_postgres(__file__, argv)
    elif not os.environ.get("DATABASE_URL"):
        directory = tempfile.mkdtemp(prefix="firmid-bench-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    setup_django("config.settings.bench", {"LOG_LEVEL": "WARNING", "DEBUG": "false"})
    return os.environ["DATABASE_URL"].split("@")[-1]


def main(argv: Sequence[str] | None = None) -> Figures:
    """Run the benchmark; inside a configured Django (the test suite), on its database."""
    args = parse_args(argv)
    from django.apps import apps

    if not apps.ready:
        print(f"database: {prepare_database(args, sys.argv[1:] if argv is None else argv)}", flush=True)
    print(machine_line(), flush=True)
    figures = Figures()
    started = time.perf_counter()
    firm = load_firm(args.users, args.batch)
    figures.load_seconds = time.perf_counter() - started
    figures.users = args.users
    print(f"loaded: a firm of {args.users:,} users in {figures.load_seconds:.1f} s", flush=True)
    bench_preview(figures, firm, args)
    bench_export(figures, firm, args)
    figures.targets.result()
    return figures


def load_firm(size: int, batch: int):
    """One firm, its levels, `size` users (plain INSERTs, one Argon2id hash), their factors and activations."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from firmid.accounts.models import User
    from firmid.core import clock
    from firmid.mfa.models import FirmMfaLevel
    from firmid.tenancy.models import ClientCompany, Firm

    tag = uuid.uuid4().hex[:8]
    firm = Firm.objects.create(name=f"Impact bench {tag} ({size:,} users)")
    company = ClientCompany.objects.create(firm=firm, name="Client")
    FirmMfaLevel.objects.bulk_create(
        FirmMfaLevel(firm=firm, user_type=user_type, level=level)
        for user_type, level in (("practitioners", "mandatory"), ("clients", "suggested"))
    )
    rows = UserRows(
        tag=tag, firm_id=firm.pk, company_id=company.pk, password=make_password(BENCH_PASSWORD), now=clock.now()
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, size, batch):
            cursor.executemany(UserRows.INSERT, [rows.row(n) for n in range(start, min(size, start + batch))])
        _factors(cursor, firm.pk, rows.now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    assert User.objects.filter(firm=firm).count() == size
    return firm


@dataclass(frozen=True)
class UserRows:
    """The INSERT of a bench user, and the values of the n-th one."""

    tag: str
    firm_id: int
    company_id: int
    password: str
    now: datetime

    COLUMNS: ClassVar[tuple[str, ...]] = (*USER_COLUMNS, "last_login")
    INSERT: ClassVar[str] = (
        f"INSERT INTO accounts_user ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    )

    def row(self, n: int) -> tuple:
        role = ROLE_CYCLE[n % 10]
        last_login = None if n % 7 == 3 else self.now - timedelta(days=n % 90, seconds=n % 86_400)
        company = None if role == "practitioner" else self.company_id
        email = f"u{n}.{self.tag}@impact.test"
        return (
            self.password,
            str(uuid.uuid4()),
            email,
            f"Impact User {n}",
            role,
            self.firm_id,
            company,
            n % 50 == 7,
            True,
            0,
            self.now,
            last_login,
        )


def _factors(cursor, firm_id: int, now: datetime) -> None:
    """Every 4th user an authenticator app, every 7th a passkey (by id: the mix is spread over the types)."""
    from firmid.core import crypto

    data = json.dumps({"secret": crypto.encrypt("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")})
    for kind, every in (("totp", 4), ("webauthn", 7)):
        cursor.execute(
            "INSERT INTO mfa_authenticator (user_id, type, data, created_at) "
            f"SELECT id, %s, %s, %s FROM accounts_user WHERE firm_id = %s AND id %% {every} = 0",
            [kind, data, now, firm_id],
        )


def proposal() -> dict:
    from firmid.core import clock
    from firmid.mfa.levels.impact import ProposedTypeSettings
    from firmid.policy import MfaLevel, UserType

    return {
        UserType.PRACTITIONERS: ProposedTypeSettings(MfaLevel.MANDATORY, allowed_methods=frozenset({"webauthn"})),
        UserType.CLIENTS: ProposedTypeSettings(MfaLevel.MANDATORY, mandatory_from=clock.now() + timedelta(days=14)),
        UserType.CLIENT_EMPLOYEES: ProposedTypeSettings(MfaLevel.SUGGESTED),
    }


def _timed(work, repeat: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU seconds of `repeat` runs after one warm-up run, and the last result.

    CPU time (this process's: SQLite runs inside it) tells apart a slow path from a busy machine.
    """
    result = work()
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def bench_preview(figures: Figures, firm, args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from firmid.mfa.levels.impact import level_change_impact

    proposed = proposal()
    with CaptureQueriesContext(connection) as queries:
        level_change_impact(firm=firm, proposed=proposed)
    figures.preview_queries = len(queries)
    figures.preview_seconds, figures.preview_cpu_seconds, impact = _timed(
        lambda: level_change_impact(firm=firm, proposed=proposed), args.repeat
    )
    print(
        f"impact preview (level_change_impact, median of {args.repeat}): {len(queries)} SQL queries, "
        f"{ms(figures.preview_seconds)} (CPU {ms(figures.preview_cpu_seconds)})"
    )
    for row in impact:
        print(
            f"  {row.user_type.label}: {row.users:,} users, {row.with_mfa:,} with MFA, "
            f"forced {row.now_forced:,} -> {row.forced:,} ({row.forced_recent:,} recent), "
            f"offered {row.now_offered:,} -> {row.offered:,} ({row.offered_recent:,} recent)"
        )
    figures.targets.check(
        f"impact preview {ms(figures.preview_seconds)} (target < {args.max_preview} s)",
        figures.preview_seconds < args.max_preview,
    )


def bench_export(figures: Figures, firm, args: argparse.Namespace) -> None:
    from django.test import RequestFactory

    from firmid.administration.views.uncovered import firm_uncovered_csv

    agent = support_agent()

    def export() -> tuple[int, int]:
        request = RequestFactory().get(f"/administration/firms/{firm.pk}/not-covered/csv/")
        request.user = agent
        response = firm_uncovered_csv(request, firm.pk)
        assert response.status_code == 200, response.status_code
        chunks = list(response.streaming_content)
        return sum(chunk.count(b"\n") for chunk in chunks), sum(len(chunk) for chunk in chunks)

    figures.export_seconds, figures.export_cpu_seconds, (lines, size) = _timed(export, args.repeat)
    from firmid.mfa.levels.uncovered import UncoveredQuery, firm_uncovered

    figures.export_rows = firm_uncovered(firm=firm, query=UncoveredQuery()).users().count()
    figures.export_bytes = size
    print(
        f"users without MFA, CSV export (median of {args.repeat}): {figures.export_rows:,} users listed, "
        f"{lines:,} lines, {size / 1_048_576:.1f} MiB, {ms(figures.export_seconds)} (CPU {ms(figures.export_cpu_seconds)})"
    )
    figures.targets.check(
        f"CSV export {ms(figures.export_seconds)} (target < {args.max_export} s)",
        figures.export_seconds < args.max_export,
    )


if __name__ == "__main__":
    sys.exit(1 if main().targets.failures else 0)
