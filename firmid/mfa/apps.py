from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "firmid.mfa"
    label = "firmid_mfa"

    def ready(self) -> None:
        from firmid.mfa import checks, mailbox, signals, step_up, trust
        from firmid.mfa.factors.recovery_codes import flows as recovery_codes_flows
        from firmid.ops.readiness import register_data_check

        signals.connect()
        step_up.connect()
        # A user's first factor comes with a set of recovery codes, shown once.
        recovery_codes_flows.connect()
        trust.connect()
        mailbox.connect()
        # /readyz: the configured keys decrypt the TOTP secrets the database holds.
        register_data_check("encryption_keys", checks.stored_secrets_problem)
