from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of `make run` (load_demo): an edge, never loaded in production."""

    name = "firmid.demo"
    label = "firmid_demo"
