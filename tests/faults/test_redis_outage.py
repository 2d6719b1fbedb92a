"""Issue 12, items 4 and 5: Redis, the cache that holds the attempt counters and lockouts, fails.

Item 4, the fault: Redis is stopped while people sign in on both nodes, then started again.
The rule: the password step answers 503 with Retry-After (never a 500, never a password
checked without its rate limit), readiness names the cache, the outage is logged once per
worker rather than once per request, and sign-in works again as soon as Redis answers.

Item 5, the choice made (docs/deployment.md): Redis must keep security state across a
restart (an append-only file) and never evict it (maxmemory-policy noeviction). Readiness
fails, naming the setting, while Redis runs without either; a node does not start on such
a Redis; and a lockout survives a restart of a Redis configured as required.
"""

from __future__ import annotations

import itertools
import signal
import time
from concurrent.futures import ThreadPoolExecutor

from firmid.testing.nodes.browsers import HOME, location

from .stack import (
    PASSWORD,
    RETRY_AFTER,
    TOO_MANY_ATTEMPTS,
    Stack,
    alarms,
    json_body,
    log_of,
    password_attempt,
    ready,
    readyz,
    say,
    wait_for,
)

RECOVERY_BOUND_SECONDS = 5
# The 503 readiness probes a node may log (one line each, as any 5xx), besides the outage's lines.
LOGGED_PROBES = 3
# How long a request may wait on a Redis that does not answer (a page, then the form).
FROZEN_BOUND_SECONDS = 8
# Long enough for requests to find Redis gone on every worker of both nodes.
OUTAGE_SECONDS = 2


def reasons(probe) -> str:
    """What a failed readiness probe says, all checks together."""
    return " ".join(json_body(probe).get("reasons", {}).values())


def test_redis_outage_answers_503_logged_once_then_recovers(stack: Stack) -> None:
    emails = [f"redis{i}@faults.test" for i in range(1, 5)]
    nodes = itertools.cycle(stack.nodes)
    wrong = "not the password " + PASSWORD
    attempts = [(next(nodes), email, PASSWORD if n % 2 else wrong) for n in range(4) for email in emails]

    with log_of(stack.a) as log_a, log_of(stack.b) as log_b:
        stack.redis.stop()
        try:
            down = time.monotonic()
            with ThreadPoolExecutor(max_workers=4) as pool:
                during = list(pool.map(lambda a: password_attempt(*a, timeout=15), attempts))
            probes = [readyz(node, timeout=10) for node in stack.nodes]
            time.sleep(max(0.0, down + OUTAGE_SECONDS - time.monotonic()))
            outage_seconds = time.monotonic() - down
        finally:
            stack.redis.start()
        up = time.monotonic()
        statuses = sorted({(r.status_code, r.headers.get("Retry-After")) for r in during})
        assert statuses == [(503, RETRY_AFTER)], statuses
        assert all("Traceback" not in r.text for r in during)
        for probe in probes:
            assert probe.status_code == 503 and probe.json()["checks"]["cache"] == "failed", probe.text

        for node in stack.nodes:
            wait_for(f"node {node.name} ready", lambda node=node: ready(node), RECOVERY_BOUND_SECONDS)
        ready_after = time.monotonic() - up
        after = [password_attempt(node, email, PASSWORD) for node, email in zip(itertools.cycle(stack.nodes), emails)]
        signed_in_after = time.monotonic() - up
        say(
            f"Redis outage of {outage_seconds:.1f} s ({len(during)} attempts answered 503): both nodes ready "
            f"{ready_after:.2f} s after Redis was back, all {len(emails)} accounts signed in "
            f"{signed_in_after:.2f} s after"
        )
        assert [(r.status_code, location(r)) for r in after] == [(302, HOME)] * len(emails), [
            (r.status_code, TOO_MANY_ATTEMPTS in r.text) for r in after
        ]

        # Logged when it started (and ended) by each worker that met it, not once per request:
        # a node answered 8 attempts (16 requests), and a readiness probe or two.
        for log, node in ((log_a(), stack.a), (log_b(), stack.b)):
            records = alarms(log)
            assert len(records) <= 2 * node.worker_count + LOGGED_PROBES, "\n".join(records)
            assert 1 <= sum("cache unavailable" in r for r in records) <= node.worker_count, "\n".join(records)


def test_readiness_probes_during_an_outage_are_not_logged_one_by_one(stack: Stack) -> None:
    probes_per_node = 10
    with log_of(stack.a) as log_a, log_of(stack.b) as log_b:
        stack.redis.stop()
        try:
            answers = [readyz(node).status_code for node in stack.nodes for _ in range(probes_per_node)]
        finally:
            stack.redis.start()
        for node in stack.nodes:
            wait_for(f"node {node.name} ready", lambda node=node: ready(node), RECOVERY_BOUND_SECONDS)
        assert answers == [503] * len(answers)
        # The outage's start and end, per worker; not a line per probe.
        for log, node in ((log_a(), stack.a), (log_b(), stack.b)):
            records = alarms(log)
            assert len(records) <= 2 * node.worker_count, "\n".join(records)


def test_frozen_redis_answers_503_within_seconds_not_a_hang(stack: Stack) -> None:
    # SIGSTOP: the connections stay open and nothing answers, as a Redis stuck on a slow
    # disk or behind a lost network path does. Every wait of firmid on Redis is bounded.
    process = stack.redis.process
    process.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        responses = [password_attempt(node, "redis1@faults.test", PASSWORD, timeout=15) for node in stack.nodes]
        probes = [readyz(node, timeout=15) for node in stack.nodes]
        waited = (time.monotonic() - started) / (len(responses) + len(probes))
    finally:
        process.send_signal(signal.SIGCONT)
    say(f"frozen Redis: each answer (503) took {waited:.1f} s on average")
    assert [(r.status_code, r.headers.get("Retry-After")) for r in responses] == [(503, RETRY_AFTER)] * 2
    assert [p.status_code for p in probes] == [503, 503]
    assert waited < FROZEN_BOUND_SECONDS
    for node in stack.nodes:
        wait_for(f"node {node.name} ready", lambda node=node: ready(node), RECOVERY_BOUND_SECONDS)


def test_redis_that_would_forget_or_evict_security_state_fails_readiness(stack: Stack) -> None:
    redis = stack.redis
    try:
        redis.cli("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        for node in stack.nodes:
            probe = readyz(node)
            assert probe.status_code == 503, probe.text
            assert "maxmemory-policy" in reasons(probe), probe.text
        redis.cli("CONFIG", "SET", "maxmemory-policy", "noeviction")
        redis.cli("CONFIG", "SET", "appendonly", "no")
        for node in stack.nodes:
            probe = readyz(node)
            assert probe.status_code == 503, probe.text
            assert "appendonly" in reasons(probe), probe.text
    finally:
        redis.cli("CONFIG", "SET", "maxmemory-policy", "noeviction")
        redis.cli("CONFIG", "SET", "appendonly", "yes")
    for node in stack.nodes:
        wait_for(f"node {node.name} ready", lambda node=node: ready(node), RECOVERY_BOUND_SECONDS)


def test_node_on_redis_without_persistence_refuses_to_start(stack: Stack) -> None:
    try:
        stack.redis.cli("CONFIG", "SET", "appendonly", "no")
        node = stack.start("F-redis-without-aof")
        try:
            wait_for("the node on a Redis without persistence to exit", lambda: node.master.poll() is not None, 60)
            output = node.log_text()
            assert node.master.returncode != 0
            assert "cannot hold sign-in security state" in output and "appendonly" in output, output[-2000:]
        finally:
            stack.stop(node)
    finally:
        stack.redis.cli("CONFIG", "SET", "appendonly", "yes")


def test_lockout_survives_a_redis_restart(stack: Stack) -> None:
    email = "kept1@faults.test"
    wrong = "not the password " + PASSWORD
    for _ in range(stack.max_failures):
        response = password_attempt(stack.a, email, wrong)
        assert response.status_code in (200, 400) and TOO_MANY_ATTEMPTS not in response.text
    assert TOO_MANY_ATTEMPTS in password_attempt(stack.b, email, PASSWORD).text

    stack.redis.restart()
    for node in stack.nodes:
        wait_for(f"node {node.name} ready", lambda node=node: ready(node), RECOVERY_BOUND_SECONDS)

    # Still locked after the restart: the counters were kept, on either node.
    for node in stack.nodes:
        response = password_attempt(node, email, PASSWORD)
        assert response.status_code in (200, 400), (response.status_code, location(response))
        assert TOO_MANY_ATTEMPTS in response.text
    # Another account of the same firm is not affected.
    assert location(password_attempt(stack.a, "kept2@faults.test", PASSWORD)) == HOME
