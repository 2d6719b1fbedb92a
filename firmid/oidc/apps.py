from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "firmid.oidc"
    label = "oidc"

    def ready(self) -> None:
        from firmid.oidc import receivers  # noqa: F401
