"""A throw-away PostgreSQL server on loopback, in a temporary folder: start, stop, restart.

The same recipe as scripts/with-services, for tests that must stop and restart the server
under load: Debian's binaries, trust authentication for the `firmid` role, a free port on
127.0.0.1, and the `postgres` system user when running as root (PostgreSQL refuses root).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

ROLE = "firmid"
DATABASE = "firmid"


def binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin that has initdb, or None."""
    found = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p, "initdb").exists()]
    if not found:
        return None
    return max(found, key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)] or [0])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalServer:
    """A throw-away server in a folder of its own (`work`, `log`): stopped and removed whatever happens."""

    work: Path
    log: Path

    def stop_now(self) -> None:
        raise NotImplementedError

    def destroy(self) -> None:
        """Stop whatever is left and remove the folder; never raises."""
        try:
            self.stop_now()
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.work, ignore_errors=True)

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


class Postgres(LocalServer):
    """One server: `start()` creates it the first time; `stop()` and `start()` keep its data."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        found = bin_dir or binaries()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed (Debian's package: postgresql).")
        self.bin = found
        self.port = free_port()
        self.work = Path(tempfile.mkdtemp(prefix="firmid-pg."))
        self.work.chmod(0o755)
        self.data = self.work / "pg"
        self.log = self.work / "pg.log"
        self._as_pg: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
            shutil.chown(self.work, user="postgres")
            self._as_pg = ["runuser", "-u", "postgres", "--"]
        self._created = False

    @property
    def url(self) -> str:
        return f"postgres://{ROLE}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={ROLE} dbname={DATABASE}"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            [*self._as_pg, str(self.bin / tool), *args],
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def tool(self, name: str, *args: str, timeout: float = 60) -> None:
        """Run one of PostgreSQL's programs (pg_dump, pg_restore, createdb...) as the server's user."""
        self._run(name, *args, timeout=timeout)

    def start(self) -> None:
        if not self._created:
            self._run("initdb", "-D", str(self.data), "-U", ROLE, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = (
            f"-k {self.work} -h 127.0.0.1 -p {self.port} -c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "-o", options, "start")
        if not self._created:
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE, DATABASE)
            self._created = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast` ends open connections, as an operator's restart does)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def stop_now(self) -> None:
        self.stop("immediate")
