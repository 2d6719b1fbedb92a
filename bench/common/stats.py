"""Figures and targets: percentiles, medians, PASS/FAIL lines, password-hasher operations."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Targets:
    """PASS/FAIL lines, printed as they are decided; `failures` makes the exit status."""

    failures: list[str] = field(default_factory=list)
    passes: list[str] = field(default_factory=list)

    def check(self, label: str, passed: bool) -> bool:
        print(f"  {'PASS' if passed else 'FAIL'}: {label}", flush=True)
        (self.passes if passed else self.failures).append(label)
        return passed

    def result(self) -> str:
        line = "RESULT: " + ("PASS" if not self.failures else "FAIL (" + "; ".join(self.failures) + ")")
        print(line, flush=True)
        return line


def percentile(samples: Sequence[float], p: float) -> float:
    """Return the p-th percentile (0-100) by linear interpolation; NaN for no samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    """Run `work` `repeat` times; return the median wall-clock seconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class _HashCounter:
    """Hasher calls counted by "<algorithm> <method>"; a verify that encodes inside counts once."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.depth = 0

    def wrap(self, original: Callable, key: str) -> Callable:
        def counted(hasher, *args, **kwargs):
            if not self.depth:
                self.counts[key] = self.counts.get(key, 0) + 1
            self.depth += 1
            try:
                return original(hasher, *args, **kwargs)
            finally:
                self.depth -= 1

        return counted


def count_hashing(work: Callable[[], object]) -> dict[str, int]:
    """Run `work` and count the password-hasher operations (by algorithm) it made in this process."""
    from unittest import mock

    from django.contrib.auth import hashers

    counter = _HashCounter()
    patches = [
        mock.patch.object(
            type(hasher), method, counter.wrap(getattr(type(hasher), method), f"{hasher.algorithm} {method}")
        )
        for hasher in hashers.get_hashers()
        for method in ("verify", "encode")
    ]
    for patch in patches:
        patch.start()
    try:
        work()
    finally:
        for patch in reversed(patches):
            patch.stop()
    return counter.counts
