from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "firmid.tenancy"
