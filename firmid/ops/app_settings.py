"""The operations settings: readiness, /metrics (FIRMID_* in config/settings/observability.py)."""

from __future__ import annotations

from firmid.core.app_settings import AppSettings


class OpsSettings(AppSettings):
    @property
    def MAX_CLOCK_SKEW_SECONDS(self) -> int:
        """How far this node's clock may differ from the database's before /readyz fails."""
        return self._setting("MAX_CLOCK_SKEW_SECONDS", 2)

    @property
    def METRICS_ALLOWED_NETWORKS(self) -> list[str]:
        """Who may read /metrics; everyone else gets 403."""
        return self._setting("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])

    @property
    def METRICS_MULTIPROCESS_DIR(self) -> str:
        """prometheus_client's folder for gunicorn workers' metrics ("": one process, in memory)."""
        return self._setting("METRICS_MULTIPROCESS_DIR", "")


ops_settings = OpsSettings()
