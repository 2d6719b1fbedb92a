from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "firmid.core"
    label = "firmid_core"
