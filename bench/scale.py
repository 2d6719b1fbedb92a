"""A platform of 1,000,000 users over 1,000 firms: decision, policy save and enrolment reports.

    .venv/bin/python bench/scale.py [--users 1000000] [--firms 1000] [--big 100000] [--small 1000]

Runs on PostgreSQL (re-running itself under scripts/with-services unless DATABASE_URL is
PostgreSQL; inside a configured Django, as in the test suite, on its database). Loads:
a firm of --small users first, alone, and times a policy save there (the 1,000-user
time); then the rest of the platform by COPY (one precomputed Argon2id hash for every
user): a firm of --big users and --firms − 2 firms sharing the remaining users; 10 % of
practitioners, 5 % client administrators, 15 % standard clients, 70 % client employees;
every 10th user with a TOTP factor, every 50th individually activated; levels varied by
firm and every 20th firm's practitioners under SSO. Then prints, with PASS/FAIL:

1. one sign-in decision (`user_mfa_decision`) in the small and in the big firm: SQL
   queries (target: equal) and median time;
2. a policy save (`firm_set_mfa_levels`) in the small and in the big firm on the full
   platform, saves taking turns (target: big / small <= --max-save-ratio), and against the
   save made before the platform was loaded (informative: minutes apart, on a shared
   machine the load differs);
3. a firm's enrolment report (`firm_enrolment_report`) for the big firm (target < 0.5 s);
4. the whole-platform report (`platform_enrolment_report`, target < 3 s).

Exits non-zero on any FAIL.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common.machine import machine_line
from bench.common.seed import BENCH_PASSWORD, USER_COLUMNS, support_agent
from bench.common.servers import ensure_postgres, setup_django
from bench.common.stats import Targets, median_seconds, ms

# The role of the i-th user of a firm, by i % 20: 10 % practitioners, 5 % client
# administrators, 15 % standard clients, 70 % client employees.
ROLE_CYCLE = ["practitioner"] * 2 + ["client_administrator"] + ["standard_client"] * 3 + ["client_employee"] * 14
LEVEL_CYCLE = ("mandatory", "suggested", "upon_request")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000, help="users of the whole platform")
    parser.add_argument("--firms", type=int, default=1_000, help="firms of the platform (at least 3)")
    parser.add_argument("--big", type=int, default=100_000, help="users of the big firm")
    parser.add_argument("--small", type=int, default=1_000, help="users of the small firm (the reference save)")
    parser.add_argument("--repeat", type=int, default=51, help="timed decisions and saves (the median is kept)")
    parser.add_argument("--report-repeat", type=int, default=5, help="timed reports after a first one (median)")
    parser.add_argument("--max-save-ratio", type=float, default=1.5, help="target: save time / 1,000-user time")
    parser.add_argument("--max-firm-report", type=float, default=0.5, help="target (s): big firm's report")
    parser.add_argument("--max-platform-report", type=float, default=3.0, help="target (s): platform report")
    parser.add_argument("--explain", action="store_true", help="print PostgreSQL's plans of the report queries")
    return parser.parse_args(argv)


@dataclass
class Figures:
    decision_queries: dict[str, int] = field(default_factory=dict)
    decision_seconds: dict[str, float] = field(default_factory=dict)
    save_seconds: dict[str, float] = field(default_factory=dict)
    report_queries: dict[str, int] = field(default_factory=dict)
    report_seconds: dict[str, float] = field(default_factory=dict)  # median after the first
    report_first_seconds: dict[str, float] = field(default_factory=dict)
    load_seconds: float = 0.0
    targets: Targets = field(default_factory=Targets)


def main(argv: Sequence[str] | None = None) -> Figures:
    args = parse_args(argv)
    if args.firms < 3 or args.users < args.big + args.small + args.firms - 2:
        raise SystemExit("need at least 3 firms and one user per firm beyond the big and the small")
    from django.apps import apps

    if not apps.ready:
        ensure_postgres(__file__, sys.argv[1:] if argv is None else argv)
        setup_django("config.settings.test", {"LOG_LEVEL": "WARNING"})
    print(machine_line(), flush=True)
    figures = Figures()
    actor = support_agent()
    tag = uuid.uuid4().hex[:8]
    loader = Loader(tag)

    small = loader.firms([args.small], sso_every=0)[0]
    loader.finish()
    print(f"platform of {args.small:,} users (the small firm alone):")
    figures.save_seconds["small firm, platform of its users only"] = _save_time(actor, small, args.repeat)
    print(f"  policy save: {ms(figures.save_seconds['small firm, platform of its users only'])}")

    started = time.perf_counter()
    rest = args.users - args.small - args.big
    others = args.firms - 2
    sizes = [args.big] + [rest // others + (1 if n < rest % others else 0) for n in range(others)]
    big = loader.firms(sizes, sso_every=20)[0]
    loader.finish()
    figures.load_seconds = time.perf_counter() - started
    total = loader.count_users()
    print(
        f"loaded: {total:,} firm users in {args.firms:,} firms ({loader.factors():,} with TOTP) "
        f"in {figures.load_seconds:.1f} s",
        flush=True,
    )

    _bench_decision(figures, {"small": small, "big": big}, args.repeat)
    _bench_save(figures, actor, small, big, args)
    _bench_reports(figures, big, args)
    figures.targets.result()
    return figures


class Loader:
    """Firms, their client company, levels, SSO connections and users, loaded in bulk."""

    def __init__(self, tag: str) -> None:
        from django.contrib.auth.hashers import make_password
        from django.db import connection
        from django.utils import timezone

        self.tag = tag
        self.connection = connection
        self.password = make_password(BENCH_PASSWORD)  # one Argon2id hash for every user
        self.now = timezone.now()
        self.first_user_id = self._max_user_id()
        self.firm_count = 0

    def _max_user_id(self) -> int:
        from django.db.models import Max

        from firmid.accounts.models import User

        return User.objects.aggregate(m=Max("pk"))["m"] or 0

    def firms(self, sizes: Sequence[int], sso_every: int):
        """Create one firm per size, with its users; return the firms (in order)."""
        from firmid.mfa.models import FirmMfaLevel
        from firmid.sso.models import SsoConnection
        from firmid.tenancy.models import ClientCompany, Firm

        start = self.firm_count
        self.firm_count += len(sizes)
        firms = Firm.objects.bulk_create(
            Firm(name=f"Scale {self.tag} {start + n:05d} ({size:,} users)") for n, size in enumerate(sizes)
        )
        companies = ClientCompany.objects.bulk_create(ClientCompany(firm=f, name="Client") for f in firms)
        FirmMfaLevel.objects.bulk_create(
            FirmMfaLevel(firm=f, user_type=user_type, level=LEVEL_CYCLE[(n + k) % 3])
            for n, f in enumerate(firms)
            for k, user_type in enumerate(("practitioners", "clients", "client_employees"))
        )
        if sso_every:
            SsoConnection.objects.bulk_create(
                SsoConnection(
                    firm=f,
                    user_type="practitioners",
                    issuer=f"https://idp{n}.bench.test",
                    client_id="firmid",
                    enabled=True,
                )
                for n, f in enumerate(firms)
                if n and n % sso_every == 0  # never the first (the big firm): its level is saved
            )
        self._users(
            (f.pk, c.pk, size, start + n) for n, (f, c, size) in enumerate(zip(firms, companies, sizes, strict=True))
        )
        return firms

    def _rows(self, firms: Iterator[tuple[int, int, int, int]]) -> Iterator[tuple]:
        """The users of all `firms`, in a shuffled order: a firm's users are spread over the
        table as on a platform where firms grow side by side, not stored next to each other."""
        firms = list(firms)
        order = [index for index, (_, _, size, _) in enumerate(firms) for _ in range(size)]
        random.Random(4).shuffle(order)
        made = [0] * len(firms)
        date_joined = self.now.isoformat()
        for index in order:
            firm_id, company_id, _, number = firms[index]
            i = made[index]
            made[index] += 1
            role = ROLE_CYCLE[i % 20]
            company = company_id if role != "practitioner" else None
            yield (
                self.password,
                str(uuid.uuid4()),
                f"u{i}.f{number}.{self.tag}@scale.test",
                "Scale User",
                role,
                firm_id,
                company,
                False,
                True,
                0,
                date_joined,
            )

    COLUMNS = USER_COLUMNS

    def _users(self, firms: Iterator[tuple[int, int, int, int]]) -> None:
        from django.db import transaction

        from firmid.accounts.models import User

        table = self.connection.ops.quote_name(User._meta.db_table)
        columns = ", ".join(self.COLUMNS)
        with transaction.atomic(), self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    buffer = []
                    for row in self._rows(firms):
                        buffer.append(
                            "\t".join(
                                r"\N" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for v in row
                            )
                        )
                        if len(buffer) >= 50_000:
                            copy.write("\n".join(buffer) + "\n")
                            buffer.clear()
                    if buffer:
                        copy.write("\n".join(buffer) + "\n")
            else:
                sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(self.COLUMNS))})"
                batch: list[tuple] = []
                for row in self._rows(firms):
                    batch.append(row)
                    if len(batch) >= 20_000:
                        cursor.executemany(sql, batch)
                        batch.clear()
                if batch:
                    cursor.executemany(sql, batch)

    def finish(self) -> None:
        """Factors and individual activations for the users loaded since the last call; ANALYZE."""
        from django.db import transaction

        from firmid.core import crypto

        last = self._max_user_id()
        data = json.dumps({"secret": crypto.encrypt("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")})
        with transaction.atomic(), self.connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO mfa_authenticator (user_id, type, data, created_at) "
                "SELECT id, 'totp', %s, %s FROM accounts_user WHERE id > %s AND id <= %s AND id %% 10 = 0",
                [data, self.now, self.first_user_id, last],
            )
            cursor.execute(
                "UPDATE accounts_user SET mfa_individually_activated = TRUE "
                "WHERE id > %s AND id <= %s AND id %% 50 = 7",
                [self.first_user_id, last],
            )
        if self.connection.vendor == "postgresql" and self.connection.get_autocommit():
            # What autovacuum would have done by the time anyone reads: statistics and the
            # visibility map; then a checkpoint, so that the timings do not pay for the load.
            with self.connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
                cursor.execute("CHECKPOINT")
        elif self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.first_user_id = last

    def count_users(self) -> int:
        from firmid.accounts.models import User

        return User.objects.filter(firm__isnull=False).count()

    def factors(self) -> int:
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.count()


def _save_time(actor, firm, repeat: int) -> float:
    return _save_times(actor, {"": firm}, repeat)[""]


def _save_times(actor, firms: dict, repeat: int) -> dict[str, float]:
    """Median time of saving the practitioners' level, alternating two levels, the firms taking
    turns (and turns at going first); the first round warms up and is not counted."""
    from firmid.mfa.levels.services import firm_set_mfa_levels
    from firmid.policy import MfaLevel, UserType

    samples: dict[str, list[float]] = {name: [] for name in firms}
    for round_ in range(repeat + 1):
        level = (MfaLevel.MANDATORY, MfaLevel.SUGGESTED)[round_ % 2]
        for name, firm in list(firms.items())[:: 1 if round_ % 2 else -1]:
            started = time.perf_counter()
            firm_set_mfa_levels(actor=actor, firm=firm, levels={UserType.PRACTITIONERS: level})
            if round_:
                samples[name].append(time.perf_counter() - started)
    return {name: sorted(times)[len(times) // 2] for name, times in samples.items()}


def _queries_and_median(work: Callable[[], object], repeat: int) -> tuple[int, float, float]:
    """SQL queries of one run, time of that first run, median time of `repeat` more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        work()
    first = time.perf_counter() - started
    return len(queries), first, median_seconds(work, repeat)


def _bench_decision(figures: Figures, firms: dict, repeat: int) -> None:
    from firmid.accounts.models import User
    from firmid.mfa.selectors import user_mfa_decision

    print("sign-in decision (user_mfa_decision) on the full platform:")
    for name, firm in firms.items():
        user = User.objects.filter(firm=firm).order_by("-pk").first()
        queries, _, median = _queries_and_median(lambda u=user: user_mfa_decision(user=u), repeat)
        figures.decision_queries[name] = queries
        figures.decision_seconds[name] = median
        print(f"  user of the {name} firm: {queries} SQL quer{'y' if queries == 1 else 'ies'}, {ms(median)}")
    counts = list(figures.decision_queries.values())
    figures.targets.check(
        f"decision queries independent of the firm's size ({counts[0]} and {counts[1]})", len(set(counts)) == 1
    )


def _bench_save(figures: Figures, actor, small, big, args: argparse.Namespace) -> None:
    print(f"policy save (firm_set_mfa_levels, median of {args.repeat}) on the full platform:")
    reference = figures.save_seconds["small firm, platform of its users only"]
    medians = _save_times(actor, {"small firm": small, "big firm": big}, args.repeat)
    for name, median in medians.items():
        figures.save_seconds[f"{name}, full platform"] = median
        print(f"  {name}: {ms(median)}")
    small_time, big_time = medians["small firm"], medians["big firm"]
    print(
        f"  (informative: the small firm's save on the full platform / on the {args.small:,}-user platform "
        f"before loading = {small_time / reference:.2f}; measured minutes apart, so the machine's load varies)"
    )
    ratio = big_time / small_time
    figures.targets.check(
        f"save time in the firm of {args.big:,} / in the firm of {args.small:,} users, same platform, "
        f"interleaved = {ratio:.2f} (target <= {args.max_save_ratio})",
        ratio <= args.max_save_ratio,
    )


def _bench_reports(figures: Figures, big, args: argparse.Namespace) -> None:
    from firmid.mfa.levels.reports import firm_enrolment_report, platform_enrolment_report

    print(f"enrolment reports (first run, then median of {args.report_repeat}):")
    runs = {
        "big firm": (lambda: firm_enrolment_report(firm=big), args.max_firm_report),
        "platform": (platform_enrolment_report, args.max_platform_report),
    }
    for name, (work, limit) in runs.items():
        queries, first, median = _queries_and_median(work, args.report_repeat)
        figures.report_queries[name] = queries
        figures.report_first_seconds[name] = first
        figures.report_seconds[name] = median
        rows = work()
        print(
            f"  {name}: {len(rows):,} rows, {sum(r.users for r in rows):,} users, {queries} SQL queries, "
            f"first {ms(first)}, median {ms(median)}"
        )
        figures.targets.check(f"{name} report {ms(median)} (target < {limit} s)", median < limit)
    if args.explain:
        _explain(big)


def _explain(big) -> None:
    from django.db import connection

    from firmid.accounts.models import User
    from firmid.mfa.levels.reports import _groups

    if connection.vendor != "postgresql":
        return
    for name, users in (
        ("big firm", User.objects.filter(firm=big)),
        ("platform", User.objects.filter(firm__isnull=False)),
    ):
        print(f"  plan of the {name} report's count:")
        print("    " + _groups(users).explain(analyze=True).replace("\n", "\n    "))


if __name__ == "__main__":
    sys.exit(1 if main().targets.failures else 0)
