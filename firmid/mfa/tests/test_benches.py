"""The benchmarks of bench/, run tiny: they work end to end (timings are not asserted here).

bench/scale.py runs in this process on the test database; bench/signin.py and
bench/memory.py start their own PostgreSQL and gunicorn, so they are skipped where
Debian's PostgreSQL is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.hashers import check_password, identify_hasher

from bench.common.servers import ROOT, postgres_available
from bench.scale import main as scale_main
from firmid.oidc.services import application_register
from firmid.testing.codes import tampered


@pytest.mark.django_db
def test_scale_bench_runs_and_counts_the_queries(capsys: pytest.CaptureFixture[str]) -> None:
    figures = scale_main(
        ["--users", "300", "--firms", "4", "--big", "100", "--small", "50", "--repeat", "2", "--report-repeat", "1"]
    )
    assert figures.decision_queries == {"small": 1, "big": 1}
    assert figures.report_queries == {"big firm": 4, "platform": 4}
    printed = capsys.readouterr().out
    assert "big firm: 3 rows, 100 users, 4 SQL queries" in printed
    assert "platform: 12 rows, 300 users, 4 SQL queries" in printed
    assert "PASS: decision queries independent of the firm's size (1 and 1)" in printed


@pytest.mark.skipif(not postgres_available(), reason="Debian's PostgreSQL is not installed")
def test_signin_and_memory_benches_run_against_gunicorn() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "FIRMID_BENCH_UNDER_SERVICES", "DJANGO_SETTINGS_MODULE")
    }
    # The two benches share one database: one key, or the second refuses to start (item 8 of issue 12).
    env["FIRMID_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    script = (
        '"$0" bench/signin.py --users 40 --in-process 0 --argon2-seconds 0.2 --clients 2 --seconds 0.5 '
        "--steady-seconds 0.5 --warmup 0; "
        '"$0" bench/memory.py --signins 4 --sample-every 2 --baseline 2 --users 2'
    )
    done = subprocess.run(
        [str(ROOT / "scripts" / "with-services"), "--", "bash", "-c", script, sys.executable],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    out = done.stdout
    assert "password-hasher operations" in out, out + done.stderr
    assert "= 1 Argon2id" in out, out + done.stderr
    assert out.count("PASS: every sign-in completed (0 failed)") == 2, out + done.stderr
    assert "session of a user signed in with MFA: session_data" in out
    assert "RSS series (sign-ins: MiB): 0:" in out


@pytest.mark.django_db
def test_client_secrets_use_the_fast_hasher_and_passwords_keep_argon2id(make_user) -> None:
    registration = application_register(
        actor=None,
        name="Bench",
        home_url="http://127.0.0.1:9/",
        redirect_uris=["http://127.0.0.1:9/cb"],
    )
    stored = registration.application.client_secret
    assert identify_hasher(stored).algorithm == "firmid_client_secret_sha256"
    assert check_password(registration.client_secret, stored)
    assert not check_password(tampered(registration.client_secret), stored)
    assert identify_hasher(make_user().password).algorithm == "argon2"
