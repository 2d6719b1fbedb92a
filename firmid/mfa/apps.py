from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "firmid.mfa"
    label = "firmid_mfa"

    def ready(self) -> None:
        from firmid.mfa import checks, signals  # noqa: F401

        signals.connect()
