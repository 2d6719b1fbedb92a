from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "firmid.accounts"

    def ready(self) -> None:
        from firmid.accounts import checks, language  # noqa: F401
