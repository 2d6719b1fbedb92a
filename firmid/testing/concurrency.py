"""Races for real: work started on several threads at once, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import close_old_connections, connections


def race(times: int, work: Callable[[], object]) -> list:
    """Run `work` on `times` threads at once, each on its own database connection."""
    barrier = threading.Barrier(times)
    results: list = []

    def run() -> None:
        close_old_connections()
        try:
            barrier.wait()
            results.append(work())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
