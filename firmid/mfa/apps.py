from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "firmid.mfa"
    label = "firmid_mfa"

    def ready(self) -> None:
        from firmid.mfa import checks  # noqa: F401
