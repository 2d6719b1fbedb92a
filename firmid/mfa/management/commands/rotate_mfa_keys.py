from __future__ import annotations

from django.db import transaction
from django.utils.translation import ngettext

from firmid.core.cli import TranslatedCommand
from firmid.mfa.factors.totp.services import totp_secrets_rotate
from firmid.mfa.management.commands._cli import refusals_as_command_errors
from firmid.sso.services import sso_secrets_rotate


class Command(TranslatedCommand):
    help = (
        "Re-encrypt every TOTP secret and SSO client secret under the newest key of "
        "FIRMID_ENCRYPTION_KEYS (in one transaction)."
    )

    def handle(self, *args: object, **options: object) -> None:
        with refusals_as_command_errors(), transaction.atomic():
            count = totp_secrets_rotate()
            connections = sso_secrets_rotate()
        totp = ngettext(
            "%(count)d TOTP secret re-encrypted under the newest key.",
            "%(count)d TOTP secrets re-encrypted under the newest key.",
            count,
        )
        sso = ngettext(
            "%(count)d SSO client secret re-encrypted under the newest key.",
            "%(count)d SSO client secrets re-encrypted under the newest key.",
            connections,
        )
        self.stdout.write(self.style.SUCCESS(totp % {"count": count}))
        self.stdout.write(self.style.SUCCESS(sso % {"count": connections}))
