from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "firmid.ops"

    def ready(self) -> None:
        from firmid.ops import checks  # noqa: F401
