"""CPU time and memory of processes, read from /proc: this one, gunicorn's and PostgreSQL's."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:
    from bench.common.servers import Gunicorn

CLK_TCK = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def cpu_seconds(pids: Iterable[int], reaped: int | None = None) -> float:
    """Return the user + system CPU time of the given processes (those that are gone count 0).

    Plus the CPU time of the children that `reaped` (a parent among them) has waited for: a
    worker or a database backend that ended during the measure still counts.
    """
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        if pid == reaped:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime of waited-for children
    return total / CLK_TCK


def rss_kib(pid: int) -> int:
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) if match else 0


def _is_postmaster_on(argv: list[bytes], port: int) -> bool:
    return bool(argv) and argv[0].endswith(b"postgres") and b"-p" in argv and str(port).encode() in b" ".join(argv)


def postgres_pids(port: int) -> list[int]:
    """Return the postmaster listening on `port` and its backends (not other helpers' servers)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if _is_postmaster_on(argv, port):
            postmaster = int(proc.name)
            return [postmaster, *children(postmaster)]
    return []


def database_port() -> int:
    return urlparse(os.environ["DATABASE_URL"]).port or 5432


class CpuMeter:
    """CPU seconds used by this process, gunicorn (master + workers) and PostgreSQL over a phase."""

    def __init__(self, server: Gunicorn | None) -> None:
        self.server = server
        self.start = self._read()

    def _read(self) -> dict[str, float]:
        usage = os.times()
        return {
            "client": usage.user + usage.system,
            "gunicorn": cpu_seconds(self.server.pids(), reaped=self.server.process.pid) if self.server else 0.0,
            "postgres": cpu_seconds(pids, reaped=pids[0]) if (pids := postgres_pids(database_port())) else 0.0,
        }

    def used(self) -> dict[str, float]:
        now = self._read()
        return {name: now[name] - self.start[name] for name in now}
