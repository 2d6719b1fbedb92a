"""A throw-away Redis on loopback, in a temporary folder: start, stop, restart on the same port.

Configured as docs/deployment.md asks of production (append-only file, `noeviction`) unless
a test says otherwise; stopping it keeps its folder, so a restart reloads what it persisted.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from firmid.testing.nodes.postgres import LocalServer, free_port

PRODUCTION = ("--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction")


def installed() -> bool:
    return shutil.which("redis-server") is not None and shutil.which("redis-cli") is not None


class Redis(LocalServer):
    def __init__(self) -> None:
        self.port = free_port()
        self.work = Path(tempfile.mkdtemp(prefix="firmid-redis."))
        self.log = self.work / "redis.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, *options: str) -> None:
        """Start on the same port and folder; `options` replace the production configuration."""
        args = [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.work),
            "--save",
            "",
            *(options or PRODUCTION),
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n{self.log_text()}")
            if self.cli("PING", check=False) == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer PING in time")

    def stop(self) -> None:
        """Stop as an operator's restart does (SIGTERM: Redis writes what it persists, then exits)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def restart(self, *options: str) -> None:
        self.stop()
        self.start(*options)

    def cli(self, *command: str, check: bool = True) -> str:
        done = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), *command],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if check and (done.returncode != 0 or done.stdout.startswith("ERR")):
            raise RuntimeError(f"redis-cli {' '.join(command)}: {done.stdout}{done.stderr}")
        return done.stdout.strip()

    def stop_now(self) -> None:
        self.stop()
