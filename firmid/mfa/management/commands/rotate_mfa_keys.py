from __future__ import annotations

from django.core.management.base import BaseCommand

from firmid.mfa.factors.totp.services import totp_secrets_rotate
from firmid.mfa.management.commands._cli import refusals_as_command_errors


class Command(BaseCommand):
    help = "Re-encrypt every TOTP secret under the newest key of FIRMID_ENCRYPTION_KEYS (in one transaction)."

    def handle(self, *args: object, **options: object) -> None:
        with refusals_as_command_errors():
            count = totp_secrets_rotate()
        self.stdout.write(self.style.SUCCESS(f"{count} TOTP secret(s) re-encrypted under the newest key."))
