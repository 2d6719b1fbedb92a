from __future__ import annotations

from django.core.management.base import BaseCommand

from firmid.mfa.levels.reminders import send_mfa_reminders


class Command(BaseCommand):
    help = (
        "Email the MFA set-up reminders due now (7 days and 1 day before a firm's Mandatory date), each at "
        "most once per user. Idempotent: run it hourly from cron."
    )

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(str(send_mfa_reminders()))
