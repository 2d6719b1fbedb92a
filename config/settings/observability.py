"""Logs, metrics and readiness: what operators see of a running node."""

from config import env

# Structured JSON lines by default; LOG_FORMAT=text for reading by eye.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "firmid.ops.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": env.text("LOG_FORMAT", "json")}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
}
# Who may read /metrics (Prometheus scrapers); everyone else gets 403.
FIRMID_METRICS_ALLOWED_NETWORKS = env.listing("FIRMID_METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
# How far this node's clock may differ from the database's before /readyz fails: locks, codes
# and sessions are compared across nodes (docs/deployment.md, "Clock synchronisation").
FIRMID_MAX_CLOCK_SKEW_SECONDS = env.integer("FIRMID_MAX_CLOCK_SKEW_SECONDS", 2)
# prometheus_client keeps gunicorn workers' metrics in this folder and reads the variable itself;
# firmid only asks whether it is set ("": one process, metrics in memory).
FIRMID_METRICS_MULTIPROCESS_DIR = env.text("PROMETHEUS_MULTIPROC_DIR", "")
