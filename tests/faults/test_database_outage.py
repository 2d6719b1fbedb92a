"""Issue 12, item 3: PostgreSQL stops while people type their passwords, right and wrong.

The fault: the database server is stopped (`pg_ctl stop -m fast`, as an operator's restart)
while clients keep signing in on both nodes, each account more often than its failed-attempt
limit (5 per 5 minutes), then started again. The rule: during the outage every sign-in is a
503 with Retry-After (never a 500, never a password accepted unchecked) and readiness says
so; an attempt the server could not check is not a failure, so right after the restart every
account signs in with its password at once (no "Too many failed login attempts"); recovery
is measured and bounded, without restarting firmid.
"""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

from firmid.testing.nodes.browsers import HOME, location

from .stack import (
    PASSWORD,
    RETRY_AFTER,
    TOO_MANY_ATTEMPTS,
    Stack,
    alarms,
    log_of,
    password_attempt,
    ready,
    readyz,
    say,
    wait_for,
)

RECOVERY_BOUND_SECONDS = 5
ATTEMPTS_PER_ACCOUNT = 7  # more than the per-account limit of failed attempts (5)
# The 503 readiness probes a node may log (one line each, as any 5xx), besides the outage's lines.
LOGGED_PROBES = 3
# Long enough for requests to find PostgreSQL gone on every worker of both nodes.
OUTAGE_SECONDS = 2


def test_database_outage_answers_503_then_locks_nobody_out(stack: Stack) -> None:
    emails = [f"outage{i}@faults.test" for i in range(1, 7)]
    nodes = itertools.cycle(stack.nodes)
    wrong = "not the password " + PASSWORD
    attempts = [
        (next(nodes), email, PASSWORD if n % 2 else wrong) for n in range(ATTEMPTS_PER_ACCOUNT) for email in emails
    ]

    with log_of(stack.a) as log_a, log_of(stack.b) as log_b:
        stack.pg.stop("fast")
        try:
            down = time.monotonic()
            with ThreadPoolExecutor(max_workers=4) as pool:
                during = list(pool.map(lambda a: password_attempt(*a, timeout=10), attempts))
            probes = [readyz(node) for node in stack.nodes]
            time.sleep(max(0.0, down + OUTAGE_SECONDS - time.monotonic()))
            outage_seconds = time.monotonic() - down
        finally:
            stack.pg.start()
        up = time.monotonic()
        # Every attempt was answered, clearly: 503 with Retry-After, nothing else.
        statuses = sorted({(r.status_code, r.headers.get("Retry-After")) for r in during})
        assert statuses == [(503, RETRY_AFTER)], statuses
        assert all("Traceback" not in r.text for r in during)
        for probe in probes:
            assert probe.status_code == 503 and probe.json()["checks"]["database"] == "failed", probe.text

        # Back without restarting firmid: ready, and every account signs in with its password.
        for node in stack.nodes:
            wait_for(f"node {node.name} ready", lambda node=node: ready(node), RECOVERY_BOUND_SECONDS)
        ready_after = time.monotonic() - up
        with ThreadPoolExecutor(max_workers=len(emails)) as pool:
            after = list(pool.map(lambda e: password_attempt(stack.a, e, PASSWORD), emails))
        signed_in_after = time.monotonic() - up
        say(
            f"database outage of {outage_seconds:.1f} s ({len(during)} attempts answered 503): "
            f"both nodes ready {ready_after:.2f} s after PostgreSQL was back, "
            f"all {len(emails)} accounts signed in {signed_in_after:.2f} s after"
        )
        refused = [(e, r.status_code) for e, r in zip(emails, after, strict=True) if TOO_MANY_ATTEMPTS in r.text]
        assert refused == [], f"locked out by the outage: {refused}"
        assert [(r.status_code, location(r)) for r in after] == [(302, HOME)] * len(emails)
        assert signed_in_after < RECOVERY_BOUND_SECONDS + 5

        # The outage is logged when it starts (and ends) in each worker, not once per request:
        # a node answered about 20 attempts, and a readiness probe or two.
        for log, node in ((log_a(), stack.a), (log_b(), stack.b)):
            records = alarms(log)
            assert len(records) <= 2 * node.worker_count + LOGGED_PROBES, "\n".join(records)
            assert 1 <= sum("database unavailable" in r for r in records) <= node.worker_count, "\n".join(records)
