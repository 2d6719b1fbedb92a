"""Attacks on the client address, over HTTP, through a real gunicorn behind a (simulated) proxy.

One gunicorn (two workers) serves the suite's own test database (SQLite file or PostgreSQL)
on a loopback port, with FIRMID_TRUSTED_PROXIES=127.0.0.2/32. "The proxy" is any request
sent from 127.0.0.2 with the X-Forwarded-For a proxy writes; "the attacker" reaches gunicorn
directly from 127.0.0.1 (the address gunicorn itself would trust by default) and forges
whatever headers it likes. /metrics is allowed to 127.0.0.2/31: the proxy's own address is
in it, as loopback was when the proxy and firmid shared a host.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.core.cache import cache
from django.db import connection
from requests.adapters import HTTPAdapter

from firmid.audit.models import AuditEvent

ROOT = Path(__file__).resolve().parents[3]
PROXY = "127.0.0.2"
ATTACKER = "127.0.0.1"
LOGIN = "/accounts/login/"
TOO_MANY = "Too many failed login attempts"
BOOT_SECONDS = 60


class _From(HTTPAdapter):
    """Connect from a given loopback address, as a distinct host would."""

    def __init__(self, source: str) -> None:
        self._source = source
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections, maxsize, block=False, **kwargs) -> None:
        kwargs["source_address"] = (self._source, 0)
        super().init_poolmanager(connections, maxsize, block=block, **kwargs)


@dataclass
class Server:
    url: str
    log: Path

    def session(self, source: str, headers: dict[str, str] | None = None) -> requests.Session:
        http = requests.Session()
        http.mount("http://", _From(source))
        http.headers.update(headers or {})
        return http

    def via_proxy(self, client: str, **headers: str) -> requests.Session:
        """A browser at `client`, through the proxy: it appends the client to X-Forwarded-For."""
        return self.session(PROXY, {"X-Forwarded-For": client, **headers})

    def direct(self, **headers: str) -> requests.Session:
        """The attacker, reaching gunicorn without the proxy, with forged headers."""
        return self.session(ATTACKER, headers)

    def sign_in(self, http: requests.Session, email: str, password: str, **headers: str) -> requests.Response:
        page = http.get(self.url + LOGIN, timeout=10)
        assert page.status_code == 200, page.status_code
        token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        data = {"login": email, "password": password, "csrfmiddlewaretoken": token}
        return http.post(self.url + LOGIN, data=data, headers=headers, allow_redirects=False, timeout=20)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    """The URL of the database this pytest process tests on, for the server to share it."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    credentials = f"{quote(db['USER'] or '', safe='')}:{quote(db['PASSWORD'] or '', safe='')}@"
    return f"postgres://{credentials}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _gunicorn() -> list[str]:
    script = Path(sys.executable).with_name("gunicorn")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[Server]:
    port = _free_port()
    log = Path(tempfile.mkstemp(prefix="firmid-proxy-gunicorn.", suffix=".log")[1])
    with django_db_blocker.unblock():
        database_url = _database_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "LOG_FORMAT": "text",
        "FIRMID_TRUSTED_PROXIES": f"{PROXY}/32",
        "FIRMID_METRICS_ALLOWED_NETWORKS": "127.0.0.2/31",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("wb") as out:
        # cwd=ROOT: gunicorn reads ./gunicorn.conf.py, as `make serve` does.
        master = subprocess.Popen(
            [
                *_gunicorn(),
                "config.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "2",
                "--no-control-socket",
                "--error-logfile",
                "-",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(master, url, log)
        yield Server(url=url, log=log)
    finally:
        if master.poll() is None:
            master.send_signal(signal.SIGTERM)
            try:
                master.wait(timeout=10)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait(timeout=10)
        log.unlink(missing_ok=True)


def _wait_healthy(master: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if master.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {master.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer /healthz in time:\n{log.read_text(errors='replace')}")


@pytest.fixture
def live(server: Server, transactional_db) -> Iterator[Server]:
    """The server, with the rate-limit history the test leaves behind removed afterwards."""
    yield server
    # The cache table is not rolled back: later tests from 127.0.0.1 must not inherit its limits.
    cache.clear()


def wrong_passwords(live: Server, sessions: list[requests.Session], tag: str) -> None:
    for n, http in enumerate(sessions, start=1):
        response = live.sign_in(http, f"nobody{n}@{tag}.test", "not the password")
        assert response.status_code == 200 and TOO_MANY not in response.text, n


# --- through the proxy: each client is itself ------------------------------------------------


def test_ten_forwarded_clients_with_one_wrong_password_each_do_not_lock_out_an_eleventh(
    live: Server, make_user, password: str
) -> None:
    eleventh = make_user(email="eleventh@proxy.test")
    wrong_passwords(live, [live.via_proxy(f"203.0.113.{n}") for n in range(1, 11)], "ten-clients")

    response = live.sign_in(live.via_proxy("203.0.113.11"), eleventh.email, password)

    assert TOO_MANY not in response.text
    assert response.status_code == 302 and not response.headers["Location"].startswith(LOGIN)


def test_audit_rows_of_forwarded_sign_ins_name_the_client_not_the_proxy(live: Server, make_user, password: str) -> None:
    user = make_user(email="audited@proxy.test")
    live.sign_in(live.via_proxy("198.51.100.23"), user.email, "not the password")
    live.sign_in(live.via_proxy("192.0.2.99, 198.51.100.24"), user.email, password)  # the client forged a hop

    failure = AuditEvent.objects.get(action="sign_in_password", outcome="failure", detail=f"as {user.email}")
    success = AuditEvent.objects.get(action="sign_in", subject=user)
    assert (failure.ip_address, success.ip_address) == ("198.51.100.23", "198.51.100.24")


def test_metrics_refuse_an_internet_client_forwarded_by_the_proxy(live: Server) -> None:
    assert live.via_proxy("203.0.113.50").get(live.url + "/metrics", timeout=10).status_code == 403
    assert live.via_proxy("127.0.0.3").get(live.url + "/metrics", timeout=10).status_code == 200


def test_access_log_names_the_forwarded_client_and_the_real_address_of_a_forger(live: Server) -> None:
    live.via_proxy("203.0.113.51").get(live.url + "/healthz?from=proxy", timeout=10)
    live.direct(**{"X-Forwarded-For": "203.0.113.52"}).get(live.url + "/healthz?from=forger", timeout=10)

    lines = []
    for _ in range(50):  # the workers write their lines as they answer: wait a moment at most
        lines = [line for line in live.log.read_text(errors="replace").splitlines() if "/healthz?from=" in line]
        if len(lines) == 2:
            break
        time.sleep(0.1)
    by_request = {line.split("/healthz?from=", 1)[1].split(" ", 1)[0]: line.split(" ", 1)[0] for line in lines}
    assert by_request == {"proxy": "203.0.113.51", "forger": ATTACKER}


def test_https_is_what_the_proxy_says_and_never_what_a_direct_client_says(live: Server) -> None:
    # Django checks the Referer of an HTTPS form post only: a post without one tells the
    # scheme gunicorn and Django settled on. The form is empty: nothing is rate-limited, and
    # past the CSRF check the sign-in page asks again for a valid address (400).
    def post_without_referer(http: requests.Session) -> int:
        page = http.get(live.url + LOGIN, timeout=10)
        token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        return http.post(
            live.url + LOGIN, data={"csrfmiddlewaretoken": token}, allow_redirects=False, timeout=10
        ).status_code

    assert post_without_referer(live.via_proxy("203.0.113.60", **{"X-Forwarded-Proto": "https"})) == 403
    assert post_without_referer(live.direct(**{"X-Forwarded-Proto": "https"})) == 400


def test_malformed_forwarded_for_from_the_proxy_is_refused_not_trusted(live: Server) -> None:
    for header in ("unknown", "203.0.113.70:4321", ""):
        response = live.session(PROXY, {"X-Forwarded-For": header}).get(live.url + LOGIN, timeout=10)
        assert response.status_code == 400, header


# --- around the proxy: forged headers are ignored ------------------------------------------


def test_client_bypassing_the_proxy_cannot_reach_metrics_by_forging_forwarded_for(live: Server) -> None:
    for forged in ("127.0.0.3", f"127.0.0.3, {PROXY}", PROXY):
        assert live.direct(**{"X-Forwarded-For": forged}).get(live.url + "/metrics", timeout=10).status_code == 403


def test_client_bypassing_the_proxy_cannot_dodge_the_address_limit_by_rotating_forged_addresses(
    live: Server, make_user, password: str
) -> None:
    victim = make_user(email="rotated@proxy.test")
    wrong_passwords(live, [live.direct(**{"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(1, 11)], "rotation")

    response = live.sign_in(live.direct(**{"X-Forwarded-For": "198.51.100.11"}), victim.email, password)

    assert response.status_code == 200 and TOO_MANY in response.text
    assert set(AuditEvent.objects.filter(action="sign_in_password").values_list("ip_address", flat=True)) == {ATTACKER}
