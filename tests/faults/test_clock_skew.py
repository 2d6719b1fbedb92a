"""Issue 12, item 7: one node's clock runs 45 s ahead of the others'.

The fault: node C is started under libfaketime (as `faketime -f +45s`), its wall clock 45 s
ahead of the database's and of the other nodes'. The rule: security times (locks, code and
session expiry) are compared across nodes, so a node whose clock differs from the
database's by more than a few seconds fails readiness and says why, and /metrics exposes
the skew; the nodes whose clocks agree are unaffected.
"""

from __future__ import annotations

import glob
import re
import time

import pytest
import requests

from firmid.testing.nodes.servers import wait_healthy

from .stack import Stack, json_body, ready, readyz, say

SKEW_SECONDS = 45
LIBFAKETIME = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
GAUGE = re.compile(r"^firmid_clock_skew_seconds(?:\{[^}]*\})? (\S+)$", re.MULTILINE)


def skew_in_metrics(url: str) -> float:
    text = requests.get(f"{url}/metrics", timeout=5).text
    match = GAUGE.search(text)
    assert match, "no firmid_clock_skew_seconds in /metrics"
    return float(match.group(1))


@pytest.mark.skipif(not LIBFAKETIME, reason="libfaketime is not installed (Debian's package faketime)")
def test_node_with_clock_45_s_ahead_fails_readiness_and_reports_the_skew(stack: Stack) -> None:
    # libfaketime preloaded into gunicorn itself, as `faketime -f +45s` does, but without the
    # `faketime` wrapper process, which would stand between the test and gunicorn's master.
    # Every clock of the process moves by the offset (libfaketime's sleep needs its monotonic
    # clock shifted too); only the wall clock matters to firmid's security times.
    skewed = stack.start("C-clock+45s", LD_PRELOAD=LIBFAKETIME[0], FAKETIME=f"+{SKEW_SECONDS}s")
    try:
        wait_healthy(skewed, time.monotonic() + 60)
        probe = readyz(skewed)
        assert probe.status_code == 503, probe.text
        reason = json_body(probe)["reasons"]["clock"]
        assert "ahead" in reason, reason
        measured = skew_in_metrics(skewed.url)
        say(f"node under faketime +{SKEW_SECONDS}s: /readyz 503 ({reason!r}), firmid_clock_skew_seconds {measured:.2f}")
        assert SKEW_SECONDS - 5 < measured < SKEW_SECONDS + 5
        # The nodes whose clocks agree with the database's stay ready, and say so.
        for node in stack.nodes:
            assert ready(node)
            assert abs(skew_in_metrics(node.url)) < 2
    finally:
        stack.stop(skewed)
