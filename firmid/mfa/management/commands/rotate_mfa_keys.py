from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from firmid.mfa.factors.totp.services import totp_secrets_rotate
from firmid.mfa.management.commands._cli import refusals_as_command_errors
from firmid.sso.services import sso_secrets_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every TOTP secret and SSO client secret under the newest key of "
        "FIRMID_ENCRYPTION_KEYS (in one transaction)."
    )

    def handle(self, *args: object, **options: object) -> None:
        with refusals_as_command_errors(), transaction.atomic():
            count = totp_secrets_rotate()
            connections = sso_secrets_rotate()
        self.stdout.write(self.style.SUCCESS(f"{count} TOTP secret(s) re-encrypted under the newest key."))
        self.stdout.write(self.style.SUCCESS(f"{connections} SSO client secret(s) re-encrypted under the newest key."))
