from django.apps import AppConfig


class SigninConfig(AppConfig):
    """The sign-in, orchestrated: login stages, session policy, the authentication backend."""

    name = "firmid.signin"
    label = "signin"
