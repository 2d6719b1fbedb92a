from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "firmid.mfa"
    label = "firmid_mfa"

    def ready(self) -> None:
        from firmid.mfa import checks, signals, step_up
        from firmid.ops.readiness import register_data_check

        signals.connect()
        step_up.connect()
        # /readyz: the configured keys decrypt the TOTP secrets the database holds.
        register_data_check("encryption_keys", checks.stored_secrets_problem)
