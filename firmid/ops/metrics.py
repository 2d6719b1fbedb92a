"""Prometheus metrics: the counters only. Sign-in events are counted into them by firmid/audit/metrics.py."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

from firmid.ops.app_settings import ops_settings

SIGN_INS = Counter("firmid_sign_ins_total", "Completed sign-ins", ["outcome"])
PASSWORD_FAILURES = Counter("firmid_password_failures_total", "Wrong passwords (or unknown accounts)")
SECOND_FACTOR = Counter("firmid_second_factor_checks_total", "Second-factor codes checked", ["outcome"])
LOCKOUTS = Counter("firmid_lockouts_total", "Accounts locked after too many wrong codes")
LATENCY = Histogram(
    "firmid_request_seconds",
    "Time to answer a request",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
# This node's clock minus the database's (firmid/ops/readiness.py); under gunicorn, the
# latest measurement of any live worker (they share one clock).
CLOCK_SKEW = Gauge(
    "firmid_clock_skew_seconds",
    "This node's clock minus the database's, in seconds",
    multiprocess_mode="livemostrecent",
)


def exposition() -> bytes:
    """The metrics text; under gunicorn, gathered from every worker's files."""
    if ops_settings.METRICS_MULTIPROCESS_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
