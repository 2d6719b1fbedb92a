from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "firmid.api"
    label = "firmid_api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from firmid.api import schema  # noqa: F401  (registers the OpenAPI extensions)
