"""The restore drill of docs/deployment.md: the database restored from an older snapshot.

A snapshot (`pg_dump -Fc`) is taken; then a person signs in with a TOTP code; then the
snapshot is restored (`pg_restore` into a new database, as a restore drill does) and a node
is started on it. The restored guard remembers no use of that code: it could be replayed
while it is still valid (its step and the next, at most 90 s). The documented step after a
restore closes that window: every guard's last used step moves to the current step + 1.
The code is then refused as just used, and a person signs in with their password as before.
"""

from __future__ import annotations

import time

import psycopg

from firmid.testing.nodes.browsers import HOME, MFA, code_now, current_step, location
from firmid.testing.nodes.servers import wait_healthy

from .stack import PASSWORD, Stack, browser_on, ready, say

RESTORED = "firmid_restored"
# docs/deployment.md, "Restore drill": run once on the restored database, before it serves.
CLOSE_REPLAY_WINDOW = """
INSERT INTO firmid_mfa_mfaguard (user_id, last_totp_step, failures, consecutive_failures, lock_count)
SELECT DISTINCT user_id, floor(extract(epoch FROM clock_timestamp()) / 30)::bigint + 1, 0, 0, 0
FROM mfa_authenticator WHERE type = 'totp'
ON CONFLICT (user_id) DO UPDATE
SET last_totp_step = GREATEST(firmid_mfa_mfaguard.last_totp_step, EXCLUDED.last_totp_step)
"""
JUST_USED = "This code was just used"


def test_code_used_after_the_snapshot_is_refused_once_guards_are_moved_on_after_restore(stack: Stack) -> None:
    user = stack.users["keys@faults.test"]
    pg = stack.pg
    server = ("-h", "127.0.0.1", "-p", str(pg.port), "-U", "firmid")
    snapshot = pg.work / "snapshot.dump"
    started = time.monotonic()
    pg.tool("pg_dump", *server, "-Fc", "-f", str(snapshot), "firmid")
    pg.tool("createdb", *server, RESTORED)
    pg.tool("pg_restore", *server, "-d", RESTORED, "--no-owner", str(snapshot))
    restored_in = time.monotonic() - started
    url = pg.url.rsplit("/", 1)[0] + f"/{RESTORED}"
    node = stack.start("R-restored", DATABASE_URL=url)
    try:
        # After the snapshot: the person signs in with a code, on the live database.
        browser = browser_on(stack.a)
        assert location(browser.password_step(user.email, PASSWORD)) == MFA
        code, step = code_now(user.secret), current_step()
        response = browser.submit(MFA, {"code": code})
        assert (response.status_code, location(response)) == (302, HOME)

        # The restored database does not know that step was used: the code is replayable.
        restored = f"host=127.0.0.1 port={pg.port} user=firmid dbname={RESTORED}"
        with psycopg.connect(restored, autocommit=True, connect_timeout=5) as connection:
            last = connection.execute(
                "SELECT coalesce(max(last_totp_step), -1) FROM firmid_mfa_mfaguard WHERE user_id = %s", (user.id,)
            ).fetchone()[0]
            assert last < step
            connection.execute(CLOSE_REPLAY_WINDOW)

        wait_healthy(node, time.monotonic() + 60)
        assert ready(node)
        replay = browser_on(node)
        assert location(replay.password_step(user.email, PASSWORD)) == MFA
        assert current_step() <= step + 1, "too slow: the code expired before it could be replayed"
        response = replay.submit(MFA, {"code": code})
        assert response.status_code == 400 and JUST_USED in response.text, (response.status_code, location(response))
        assert replay.get(HOME).status_code == 302
        # Everyone else signs in on the restored database as before.
        response = browser_on(node).password_step("readonly@faults.test", PASSWORD)
        assert (response.status_code, location(response)) == (302, HOME)
        say(
            f"restore drill: pg_dump + pg_restore in {restored_in:.1f} s; replay of a code used after the "
            "snapshot refused once the guards were moved on"
        )
    finally:
        stack.stop(node)
        stack.execute(f"DROP DATABASE IF EXISTS {RESTORED} WITH (FORCE)")
