"""Issue 12, item 6: the database turns read-only (a failover to a replica, a full disk's safeguard).

The fault: `ALTER DATABASE … SET default_transaction_read_only = on`, then the nodes'
connections are ended so that they reconnect read-only, as after a failover. The rule:
readiness proves what serving needs (a write), so /readyz is 503 and says the database is
read-only; a sign-in is a 503 with Retry-After, not a 500; once the database takes writes
again, everything answers at once.
"""

from __future__ import annotations

import time

from firmid.testing.nodes.browsers import HOME, location

from .stack import PASSWORD, RETRY_AFTER, Stack, json_body, password_attempt, ready, readyz, say, signed_in, wait_for

RECOVERY_BOUND_SECONDS = 5


def test_read_only_database_fails_readiness_and_answers_503(stack: Stack) -> None:
    email = "readonly@faults.test"
    before = signed_in(stack.a, email)
    try:
        stack.execute("ALTER DATABASE firmid SET default_transaction_read_only = on")
        stack.end_server_connections()
        for node in stack.nodes:
            probe = readyz(node)
            assert probe.status_code == 503, probe.text
            assert "read-only" in json_body(probe)["reasons"]["database"], probe.text
        for node in stack.nodes:
            response = password_attempt(node, email, PASSWORD)
            assert (response.status_code, response.headers.get("Retry-After")) == (503, RETRY_AFTER), (
                response.status_code,
                response.text[:300],
            )
            assert "Traceback" not in response.text
        # A signed-in person's page: shown if it needs no write, else the same 503; never a 500.
        assert before.get(HOME).status_code in (200, 503)
    finally:
        with stack.connect() as connection:
            connection.execute("SET default_transaction_read_only = off")
            connection.execute("ALTER DATABASE firmid RESET default_transaction_read_only")
        stack.end_server_connections()
    back = time.monotonic()
    for node in stack.nodes:
        wait_for(f"node {node.name} ready", lambda node=node: ready(node), RECOVERY_BOUND_SECONDS)
    response = password_attempt(stack.b, email, PASSWORD)
    say(
        f"read-only database: both nodes ready and signing in {time.monotonic() - back:.2f} s "
        "after writes were allowed again"
    )
    assert (response.status_code, location(response)) == (302, HOME)
