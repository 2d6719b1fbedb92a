"""Attacks on shared state across two firmid nodes (gunicorn, two workers each) on one PostgreSQL.

Each test is named after the attack or failure it shows firmid withstanding. Browsers talk
HTTP to the nodes (firmid/testing/nodes/browsers.py); the database is read with psycopg.
Every loop is bounded in count and in time.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from firmid.testing.nodes.browsers import (
    ADMINISTRATION,
    CSRF,
    ENROL,
    HOME,
    LOGIN,
    MFA,
    Browser,
    code_now,
    location,
    wrong_code,
)

from .conftest import Cluster, Node

REFUSED = "This code is not valid"
# The loser of a race for one code is told the code was just used (its step is spent).
REPLAYED = "This code was just used"
LOCKED = "Too many incorrect codes"


def at_code_step(node: Node, email: str, password: str) -> tuple[Browser, str]:
    """A browser past the password step on `node`, and the CSRF token of its code page."""
    browser = Browser(node.url)
    response = browser.password_step(email, password)
    assert response.status_code == 302 and location(response) == MFA, (response.status_code, location(response))
    return browser, browser.csrf(MFA)


def fire_together(calls: list, timeout: float = 30) -> list:
    """Run the calls in one thread each, released at the same instant by a barrier."""
    barrier = threading.Barrier(len(calls), timeout=timeout)
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as error:  # noqa: BLE001 — reported by the test's assertions
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results


def audit_count(cluster: Cluster, user_id: int, action: str, outcome: str) -> int:
    return cluster.one(
        "SELECT count(*) FROM audit_auditevent WHERE action = %s AND outcome = %s AND subject_id = %s",
        (action, outcome, user_id),
    )


# --- replay and brute force of the second factor -------------------------------------------


def test_same_totp_code_on_both_processes_at_once_is_accepted_exactly_once(cluster: Cluster) -> None:
    user = cluster.users["replay@replay.test"]
    on_a, token_a = at_code_step(cluster.a, user.email, cluster.password)
    on_b, token_b = at_code_step(cluster.b, user.email, cluster.password)
    code = code_now(user.secret)

    responses = fire_together(
        [
            lambda: on_a.post(MFA, {"code": code, "csrfmiddlewaretoken": token_a}),
            lambda: on_b.post(MFA, {"code": code, "csrfmiddlewaretoken": token_b}),
        ]
    )

    assert all(isinstance(r, requests.Response) for r in responses), responses
    accepted = [r for r in responses if r.status_code == 302 and location(r) == HOME]
    refused = [r for r in responses if r.status_code == 400 and REPLAYED in r.text]
    assert (len(accepted), len(refused)) == (1, 1), [(r.status_code, location(r)) for r in responses]
    winner, loser = (on_a, on_b) if responses[0] is accepted[0] else (on_b, on_a)
    assert winner.get(HOME).status_code == 200
    assert loser.get(HOME).status_code == 302
    assert audit_count(cluster, user.id, "mfa_sign_in", "failure") == 1


def test_fifty_concurrent_wrong_codes_over_both_processes_lock_after_exactly_the_limit(cluster: Cluster) -> None:
    user = cluster.users["lockout@lockout.test"]
    attempts = 50
    with ThreadPoolExecutor(max_workers=8) as pool:
        ready = list(
            pool.map(lambda i: at_code_step(cluster.nodes[i % 2], user.email, cluster.password), range(attempts))
        )
    guess = wrong_code(user.secret)

    responses = fire_together(
        [
            lambda browser=browser, token=token: browser.post(
                MFA, {"code": guess, "csrfmiddlewaretoken": token}, timeout=30
            )
            for browser, token in ready
        ]
    )

    assert all(isinstance(r, requests.Response) for r in responses), [
        r for r in responses if not isinstance(r, requests.Response)
    ]
    assert Counter(r.status_code for r in responses) == {400: attempts}
    words = Counter(REFUSED if REFUSED in r.text else LOCKED if LOCKED in r.text else r.text[:80] for r in responses)
    # The first limit-1 failures say "not valid"; the one that locks and every later one say "too many".
    assert words == {REFUSED: cluster.max_failures - 1, LOCKED: attempts - cluster.max_failures + 1}
    assert audit_count(cluster, user.id, "mfa_sign_in", "failure") == cluster.max_failures
    assert audit_count(cluster, user.id, "mfa_sign_in", "locked") == attempts - cluster.max_failures
    guard = cluster.sql(
        "SELECT lock_count, failures, consecutive_failures, locked_until > now() "
        "FROM firmid_mfa_mfaguard WHERE user_id = %s",
        (user.id,),
    )
    assert guard == [(1, 0, cluster.max_failures, True)]

    # While locked, the right code is refused on either node, and nothing more is counted.
    for node in cluster.nodes:
        browser, token = at_code_step(node, user.email, cluster.password)
        response = browser.post(MFA, {"code": code_now(user.secret), "csrfmiddlewaretoken": token})
        assert response.status_code == 400 and LOCKED in response.text
        assert browser.get(HOME).status_code == 302
    assert audit_count(cluster, user.id, "mfa_sign_in", "failure") == cluster.max_failures
    assert cluster.one("SELECT lock_count FROM firmid_mfa_mfaguard WHERE user_id = %s", (user.id,)) == 1


# --- policy saved on one node, enforced on the other -------------------------------------


def test_level_saved_through_one_process_is_enforced_by_the_other_at_the_next_step(cluster: Cluster) -> None:
    user = cluster.users["level@level.test"]
    agent = cluster.users["agent.l2@firmid.test"]
    on_b = Browser(cluster.b.url)
    response = on_b.password_step(user.email, cluster.password)
    assert response.status_code == 302 and location(response) == HOME
    assert on_b.get(HOME).status_code == 200

    admin, token = at_code_step(cluster.a, agent.email, cluster.password)
    response = admin.post(MFA, {"code": code_now(agent.secret), "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and location(response) == ADMINISTRATION
    page = f"/administration/firms/{user.firm_id}/security/"
    response = admin.submit(page, {"level_practitioners": "mandatory"})
    assert response.status_code == 302 and location(response) == page, (response.status_code, response.text[:300])
    assert cluster.sql(
        "SELECT level FROM firmid_mfa_firmmfalevel WHERE firm_id = %s AND user_type = 'practitioners'",
        (user.firm_id,),
    ) == [("mandatory",)]

    # The very next request on the other node ends the session...
    response = on_b.get(HOME)
    assert response.status_code == 302 and location(response) == LOGIN
    assert on_b.get(HOME).status_code == 302
    # ...and signing in again there leads to enrolment, not in.
    response = on_b.password_step(user.email, cluster.password)
    assert response.status_code == 302 and location(response) == ENROL
    assert on_b.get(HOME).status_code == 302


# --- failures of a worker and of the database -----------------------------------------------


@dataclass
class SignInLog:
    completed: int = 0
    connection_errors: int = 0
    server_errors: int = 0
    other: list = field(default_factory=list)


def test_worker_killed_mid_sign_in_loses_nothing(cluster: Cluster) -> None:
    node = cluster.a
    emails = [f"kill{i}@kill.test" for i in range(1, 7)]
    rounds, deadline = 4, time.monotonic() + 45
    logs = {email: SignInLog() for email in emails}
    lock = threading.Lock()
    total = Counter()

    def sign_in_until_done(email: str) -> None:
        log = logs[email]
        source = Browser(node.url).source  # one address per person, as a person's browser
        for _ in range(rounds):
            for _attempt in range(20):
                if time.monotonic() > deadline:
                    return
                browser = Browser(node.url, source=source)
                try:
                    response = browser.password_step(email, cluster.password)
                    if response.status_code == 302 and location(response) == HOME:
                        if browser.get(HOME).status_code == 200:
                            log.completed += 1
                            with lock:
                                total["completed"] += 1
                            break
                    if response.status_code >= 500:
                        log.server_errors += 1
                    else:
                        log.other.append((response.status_code, location(response)))
                # A worker killed mid-answer: the connection drops before, or while, the page arrives.
                except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                    log.connection_errors += 1
                    with lock:
                        total["connection_errors"] += 1
                finally:
                    browser.close()
                time.sleep(0.05)  # a person clicks again

    before = node.workers()
    assert len(before) == 2
    killed: list[int] = []
    with ThreadPoolExecutor(max_workers=len(emails)) as pool:
        running = [pool.submit(sign_in_until_done, email) for email in emails]
        # Kill a worker while sign-ins are in flight (both workers are busy hashing passwords);
        # again, at most twice more, until a client has seen its request cut.
        for _ in range(3):
            started = time.monotonic()
            while total["completed"] < 2 + 4 * len(killed) and time.monotonic() - started < 10:
                time.sleep(0.02)
            victim = sorted(node.workers() - set(killed))[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            time.sleep(0.5)
            if total["connection_errors"]:
                break
        for future in running:
            future.result(timeout=60)

    assert total["connection_errors"] >= 1, "no sign-in was in flight when the workers were killed"
    for email, log in logs.items():
        # Cut requests are retried; a refusal on the way (say allauth's rate-limit lock left
        # by the killed worker) is shown in the message, but completing is what counts.
        assert log.completed == rounds and log.server_errors == 0, (email, log)
    # The master replaced every killed worker and is still serving.
    restarted_by = time.monotonic() + 15
    while time.monotonic() < restarted_by and not (len(node.workers()) == 2 and not node.workers() & set(killed)):
        time.sleep(0.1)
    assert node.master.poll() is None
    assert len(node.workers()) == 2 and not node.workers() & set(killed)
    assert requests.get(node.url + "/healthz", timeout=5).status_code == 200


@dataclass
class Outcome:
    kind: str
    started: float
    ended: float
    status: int | None
    error: str = ""
    retry_after: str | None = None
    email: str = ""
    lock_refusal: bool = False


# allauth's rate limits take a lock in the shared cache around each count; a request cut by
# the outage between taking and releasing it leaves it for CACHE_LOCK_TIMEOUT (10 s), and
# that account's password step is refused with this message until then. It fails closed.
LOCK_REFUSAL = "Too many failed login attempts"
ALLAUTH_CACHE_LOCK_SECONDS = 10


def test_postgres_restart_under_load_gives_503_then_recovers(cluster: Cluster) -> None:
    outcomes: list[Outcome] = []
    record_lock = threading.Lock()
    stop = threading.Event()
    hard_stop = time.monotonic() + 60

    def record(kind: str, call, email: str = "") -> requests.Response | None:
        started = time.monotonic()
        try:
            response = call()
        except requests.RequestException as error:
            outcome, response = Outcome(kind, started, time.monotonic(), None, type(error).__name__), None
        else:
            outcome = Outcome(
                kind,
                started,
                time.monotonic(),
                response.status_code,
                retry_after=response.headers.get("Retry-After"),
                email=email,
                lock_refusal=kind == "login_post" and response.status_code == 200 and LOCK_REFUSAL in response.text,
            )
        with record_lock:
            outcomes.append(outcome)
        return response

    def loop(body) -> None:
        for _ in range(2000):
            if stop.is_set() or time.monotonic() > hard_stop:
                return
            body()
            time.sleep(0.05)

    def readiness(node: Node):
        prober = Browser(node.url)  # no cookies: a load balancer's probe
        return lambda: record("readyz", lambda: prober.get("/readyz", timeout=5))

    def signed_in_page(node: Node, email: str):
        browser = Browser(node.url)
        response = browser.password_step(email, cluster.password)
        assert response.status_code == 302 and location(response) == HOME
        return lambda: record("my_account", lambda: browser.get(HOME, timeout=5))

    def sign_in(node: Node, emails: list[str]):
        turn = itertools.cycle(emails)

        def once() -> None:
            email = next(turn)
            browser = Browser(node.url)  # a new visitor each time, from a new address
            page = record("login_page", lambda: browser.get(LOGIN, timeout=5))
            if page is not None and page.status_code == 200:
                token = CSRF.search(page.text).group(1)
                record(
                    "login_post",
                    lambda: browser.post(
                        LOGIN, {"login": email, "password": cluster.password, "csrfmiddlewaretoken": token}, timeout=5
                    ),
                    email,
                )
            browser.close()

        return once

    bodies = [
        readiness(cluster.a),
        readiness(cluster.b),
        signed_in_page(cluster.a, "outage1@outage.test"),
        signed_in_page(cluster.b, "outage2@outage.test"),
        sign_in(cluster.a, [f"outage{i}@outage.test" for i in (3, 5, 7)]),
        sign_in(cluster.b, [f"outage{i}@outage.test" for i in (4, 6, 8)]),
    ]
    ok = {"readyz": {200}, "my_account": {200}, "login_page": {200}, "login_post": {302}}
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        running = [pool.submit(loop, body) for body in bodies]
        time.sleep(1.0)
        stopping = time.monotonic()
        cluster.pg.stop("fast")
        down = time.monotonic()
        time.sleep(2.5)
        starting = time.monotonic()
        cluster.pg.start()
        up = time.monotonic()
        # Run on until every kind of request has succeeded again, for at most 15 s.
        recovered: dict[str, float] = {}
        while time.monotonic() < up + 15 and len(recovered) < len(ok):
            with record_lock:
                for o in outcomes:
                    if o.started >= up and o.status in ok[o.kind]:
                        recovered.setdefault(o.kind, o.ended)
            time.sleep(0.1)
        time.sleep(1.0)
        stop.set()
        for future in running:
            future.result(timeout=30)

    summary = Counter((o.kind, o.status, o.lock_refusal) for o in outcomes)
    # Never a 500, never a hang or a dropped connection: only answers, within the timeout.
    assert [o for o in outcomes if o.status is None or o.status == 500] == [], summary
    assert set(Counter(o.status for o in outcomes)) <= {200, 302, 503}, summary
    before = [o for o in outcomes if o.ended < stopping]
    assert before and all(o.status in ok[o.kind] for o in before), summary
    # While the database is down, every request that needs it is a 503 (pages with Retry-After).
    during = [o for o in outcomes if o.started > down and o.ended < starting]
    kinds_during = Counter((o.kind, o.status) for o in during)
    for kind in ("readyz", "my_account", "login_post"):
        assert kinds_during[(kind, 503)] >= 1, kinds_during
    assert all(o.status == 503 for o in during if o.kind != "login_page"), kinds_during
    assert all(o.retry_after == "5" for o in during if o.kind in ("my_account", "login_post")), kinds_during
    # Back within a few seconds, without restarting firmid: and then no more 503s.
    assert set(recovered) == set(ok), (recovered, summary)
    assert max(recovered.values()) - up < 5, {k: round(v - up, 2) for k, v in recovered.items()}
    settled = max(recovered.values()) + 0.5
    later = [o for o in outcomes if o.started > settled]
    assert all(o.status in ok[o.kind] or o.lock_refusal for o in later), summary
    assert all(node.master.poll() is None for node in cluster.nodes)

    # An account whose rate-limit lock the outage cut signs in again once the lock expires.
    refused = sorted({o.email for o in outcomes if o.lock_refusal})
    assert all(o.started > stopping for o in outcomes if o.lock_refusal), summary
    if refused:
        time.sleep(max(0.0, up + ALLAUTH_CACHE_LOCK_SECONDS + 1 - time.monotonic()))
        for email in refused:
            response = Browser(cluster.a.url).password_step(email, cluster.password)
            assert response.status_code == 302 and location(response) == HOME, email
