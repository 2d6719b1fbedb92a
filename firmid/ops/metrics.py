"""Prometheus metrics of sign-in: counted where the audit log records the events."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client import REGISTRY

SIGN_INS = Counter("firmid_sign_ins_total", "Completed sign-ins", ["outcome"])
PASSWORD_FAILURES = Counter("firmid_password_failures_total", "Wrong passwords (or unknown accounts)")
SECOND_FACTOR = Counter("firmid_second_factor_checks_total", "Second-factor codes checked", ["outcome"])
LOCKOUTS = Counter("firmid_lockouts_total", "Accounts locked after too many wrong codes")
LATENCY = Histogram(
    "firmid_request_seconds", "Time to answer a request", ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
# This node's clock minus the database's (firmid/ops/readiness.py); under gunicorn, the
# latest measurement of any live worker (they share one clock).
CLOCK_SKEW = Gauge(
    "firmid_clock_skew_seconds", "This node's clock minus the database's, in seconds",
    multiprocess_mode="livemostrecent",
)

# Audit actions and outcomes as metrics: one table, so the two never disagree.
_COUNTED = {
    ("sign_in", "success"): lambda: SIGN_INS.labels("success").inc(),
    ("sign_in_password", "failure"): PASSWORD_FAILURES.inc,
    ("sign_in_password", "refused"): lambda: SIGN_INS.labels("refused").inc(),
    ("mfa_sign_in", "failure"): lambda: SECOND_FACTOR.labels("failure").inc(),
    ("mfa_sign_in", "locked"): lambda: SECOND_FACTOR.labels("locked").inc(),
    ("mfa_verified", "success"): lambda: SECOND_FACTOR.labels("success").inc(),
}


def count_event(action: str, outcome: str, detail: str = "") -> None:
    """Count an audit event if it is one the metrics follow."""
    counter = _COUNTED.get((action, outcome))
    if counter is not None:
        counter()
    if detail == "account locked":
        LOCKOUTS.inc()


def exposition() -> bytes:
    """The metrics text; under gunicorn, gathered from every worker's files."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
