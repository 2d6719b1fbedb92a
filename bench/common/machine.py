"""The machine a bench runs on: one line printed at the top of every bench."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def core_count() -> int:
    """Return the cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def database_name() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0].split()[0]
            cursor.execute("SHOW fsync")
            fsync = cursor.fetchone()[0]
        return f"PostgreSQL {version} (fsync={fsync})"
    return connection.vendor


def _memory() -> str:
    try:
        memory_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    except (OSError, AttributeError):
        return "RAM unknown"
    return f"{memory_kib / 1024 / 1024:.0f} GiB RAM"


def machine_line() -> str:
    """Return nproc, CPU model, memory, load, Python and database: printed at the top of every bench."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: nproc={core_count()}, {cpu_model()}, {_memory()}, load average {load}; "
        f"Python {platform.python_version()}, {database_name()}"
    )
