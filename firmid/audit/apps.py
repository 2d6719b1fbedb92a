from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "firmid.audit"

    def ready(self) -> None:
        from firmid.audit import metrics, receivers  # noqa: F401
        from firmid.audit.signals import event_recorded

        event_recorded.connect(metrics.count_event, dispatch_uid="firmid.audit.metrics")
