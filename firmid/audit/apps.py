from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "firmid.audit"

    def ready(self) -> None:
        from firmid.audit import receivers  # noqa: F401
