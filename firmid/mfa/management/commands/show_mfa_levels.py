from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from firmid.mfa.levels.selectors import firm_mfa_settings
from firmid.mfa.management.commands._cli import firm_named


class Command(BaseCommand):
    help = "Show a firm's MFA level for each user type."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--firm", required=True, help="The firm's exact name, or its id.")

    def handle(self, *args: object, **options: object) -> None:
        firm = firm_named(options["firm"])
        self.stdout.write(f"{firm.name} (id {firm.pk})")
        for setting in firm_mfa_settings(firm=firm).types:
            self.stdout.write(f"  {setting.user_type.value:<18} {setting.level_label}")
