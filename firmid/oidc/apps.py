from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "firmid.oidc"
    label = "oidc"

    def ready(self) -> None:
        from firmid.oidc import (
            cors,  # noqa: F401 - connects the CORS receiver
            receivers,  # noqa: F401
        )
        from firmid.oidc.requirements import authorization_application_name, authorization_requires_mfa
        from firmid.signin.destinations import register_destination_name, register_mfa_demand

        register_mfa_demand(authorization_requires_mfa)
        # The sign-in page names the application the user is signing in to.
        register_destination_name(authorization_application_name)
