"""Issue 12, item 2: a worker killed between consuming an authorization code and issuing its tokens.

The window is held open deterministically: a trigger on the access-token table waits for
an advisory lock the test holds, so the exchange stops after the code was read (and, in the
old design, consumed) and before its access token exists. The test finds the worker whose
database connection waits (pg_stat_activity's client port, matched in /proc), kills it with
SIGKILL, then lets go. The rule: consuming the code and issuing its tokens is one
transaction, so the application's retry with the same code gets its tokens; and the tokens
are linked to the code, so a later reuse of the code is refused and revokes them.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import requests

from firmid.testing.nodes.servers import Node

from .stack import (
    PASSWORD,
    Stack,
    authorization_code,
    browser_on,
    exchange,
    json_body,
    pkce,
    say,
    wait_for,
    worker_of_backend,
)

LOCK_KEY = 1_212_002  # issue 12, item 2
TRIGGER = "firmid_faults_hold_token_insert"
HOLD_SQL = [
    f"CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN PERFORM pg_advisory_xact_lock({LOCK_KEY}); RETURN NEW; END $$",
    f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON oauth2_provider_accesstoken FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()",
]
RELEASE_SQL = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON oauth2_provider_accesstoken",
    f"DROP FUNCTION IF EXISTS {TRIGGER}()",
]
WAITING = (
    "SELECT pid, client_port FROM pg_stat_activity "
    "WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND datname = current_database()"
)


def userinfo(node: Node, access_token: str) -> requests.Response:
    return requests.get(f"{node.url}/oauth/userinfo/", headers={"Authorization": f"Bearer {access_token}"}, timeout=10)


def test_worker_killed_between_code_consumed_and_tokens_issued_lets_the_retry_get_tokens(stack: Stack) -> None:
    user = stack.users["token@faults.test"]
    node = stack.a
    browser = browser_on(node)
    response = browser.password_step(user.email, PASSWORD)
    assert response.status_code == 302
    verifier, challenge = pkce()
    code = authorization_code(browser, challenge)

    holder = stack.connect()
    cut: dict[str, object] = {}
    try:
        for statement in HOLD_SQL:
            holder.execute(statement)
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))

        def first_exchange() -> None:
            try:
                cut["response"] = exchange(node, stack, code, verifier, timeout=30)
            except requests.RequestException as error:
                cut["error"] = error

        thread = threading.Thread(target=first_exchange, daemon=True)
        thread.start()
        backend, client_port = wait_for(
            "the token exchange to wait inside its window", lambda: holder.execute(WAITING).fetchone(), 15
        )
        victim = wait_for("the worker of that connection", lambda: worker_of_backend(node, client_port), 5)
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        thread.join(15)
        assert not thread.is_alive(), "the cut exchange did not end"
        assert "error" in cut, f"the exchange answered although its worker was killed: {cut}"
    finally:
        for statement in RELEASE_SQL:
            holder.execute(statement)
        holder.execute("SELECT pg_advisory_unlock_all()")
        holder.close()
    # PostgreSQL notices the dead client and ends its backend (rolling back what it had begun).
    wait_for(
        "the killed worker's database session to end",
        lambda: not stack.sql("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (backend,)),
        15,
    )

    # The application retries with the same code, on whichever node its request lands.
    retry = exchange(stack.b, stack, code, verifier)
    say(
        f"worker killed inside the token exchange: the retry with the same code got its tokens "
        f"{time.monotonic() - killed:.2f} s after the kill"
    )
    assert retry.status_code == 200, (retry.status_code, json_body(retry))
    tokens = retry.json()
    assert tokens["access_token"] and tokens["id_token"]
    # Exactly the retry's tokens exist: the killed exchange left nothing behind.
    assert stack.one("SELECT count(*) FROM oauth2_provider_accesstoken WHERE user_id = %s", (user.id,)) == 1
    assert userinfo(stack.a, tokens["access_token"]).status_code == 200

    # A later reuse of the code is refused and revokes what the code issued.
    reuse = exchange(stack.a, stack, code, verifier)
    assert (reuse.status_code, json_body(reuse).get("error")) == (400, "invalid_grant"), json_body(reuse)
    assert userinfo(stack.b, tokens["access_token"]).status_code == 401
    # The killed worker was replaced: the node serves with all its workers.
    wait_for(
        "the node to replace its worker",
        lambda: len(node.workers()) == node.worker_count and victim not in node.workers(),
        15,
    )
