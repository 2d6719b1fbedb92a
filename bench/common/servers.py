"""PostgreSQL (through scripts/with-services), Django set-up and gunicorn for the benches."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common.processes import children

ROOT = Path(__file__).resolve().parent.parent.parent
# Local settings (config.settings.local) plus the bench-only switches: bench processes and their gunicorn.
BENCH_SETTINGS = "config.settings.bench"


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def postgres_available() -> bool:
    """Tell whether Debian's PostgreSQL binaries are installed (scripts/with-services can start a server)."""
    return any(Path(p, "initdb").exists() for p in Path("/usr/lib/postgresql").glob("*/bin"))


def ensure_postgres(script: str, argv: Sequence[str], redis: bool = False) -> None:
    """Re-execute `script` under scripts/with-services unless DATABASE_URL is PostgreSQL already."""
    if is_postgres_url(os.environ.get("DATABASE_URL", "")) and (os.environ.get("REDIS_URL") or not redis):
        return
    if os.environ.get("FIRMID_BENCH_UNDER_SERVICES"):
        raise SystemExit("scripts/with-services gave no PostgreSQL DATABASE_URL (or no REDIS_URL)")
    env = {**os.environ, "FIRMID_BENCH_UNDER_SERVICES": "1"}
    services = [str(ROOT / "scripts" / "with-services"), *(["--redis"] if redis else [])]
    command = [*services, "--", sys.executable, str(Path(script).resolve()), *argv]
    sys.stdout.flush()
    os.execve(command[0], command, env)


def bench_secrets() -> dict[str, str]:
    """Make keys for this run only, given to the bench process and to gunicorn alike.

    An encryption key in the environment is kept: benches run one after another on one
    database must decrypt each other's TOTP secrets, or firmid refuses to start.
    """
    from cryptography.fernet import Fernet

    from config import env

    return {
        "SECRET_KEY": base64.urlsafe_b64encode(os.urandom(40)).decode(),
        "FIRMID_ENCRYPTION_KEYS": os.environ.get("FIRMID_ENCRYPTION_KEYS") or Fernet.generate_key().decode(),
        "FIRMID_OIDC_SIGNING_KEY": env.rsa_private_key_pem(),
    }


def server_environ(port: int, **extra: str) -> dict[str, str]:
    """Return the environment of a bench's firmid server: bench settings without DEBUG, fixed secrets."""
    return {
        **bench_secrets(),
        "DJANGO_SETTINGS_MODULE": BENCH_SETTINGS,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "FIRMID_ISSUER": f"http://127.0.0.1:{port}",
        **extra,
    }


def setup_django(settings_module: str, environ: dict[str, str] | None = None, migrate: bool = True) -> None:
    """Set the environment, configure Django and (by default) migrate the database."""
    os.environ.update(environ or {})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn_command(*, port: int, workers: int, extra: Sequence[str]) -> list[str]:
    options = {"--bind": f"127.0.0.1:{port}", "--workers": str(workers), "--log-level": "warning"}
    options |= {"--timeout": "60", "--graceful-timeout": "5"}
    flat = [part for pair in options.items() for part in pair]
    return [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application", *flat, *extra]


class Gunicorn:
    """`gunicorn config.wsgi:application` on a loopback port, stopped on exit (by its pid)."""

    def __init__(self, *, port: int, workers: int, environ: dict[str, str], extra: Sequence[str] = ()) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = tempfile.NamedTemporaryFile(prefix="firmid-bench-gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            _gunicorn_command(port=port, workers=workers, extra=extra),
            cwd=ROOT,
            env={**os.environ, **environ},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready(workers)

    def _wait_ready(self, workers: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.tail()}")
            if self._ready(workers):
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.tail()}")

    def _ready(self, workers: int) -> bool:
        import requests

        try:
            return requests.get(f"{self.base}/healthz", timeout=2).status_code == 200 and len(self.workers()) >= workers
        except requests.RequestException:
            return False

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def pids(self) -> list[int]:
        return [self.process.pid, *self.workers()]

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: nothing is left to finish
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
