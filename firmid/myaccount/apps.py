from django.apps import AppConfig


class MyAccountConfig(AppConfig):
    name = "firmid.myaccount"
