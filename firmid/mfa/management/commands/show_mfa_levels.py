from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from firmid.mfa.management.commands._cli import firm_named
from firmid.mfa.selectors import firm_mfa_levels, firm_sso_user_types

MANAGED_BY_SSO = "Managed by SSO"


class Command(BaseCommand):
    help = "Show a firm's MFA level for each user type."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--firm", required=True, help="The firm's exact name, or its id.")

    def handle(self, *args: object, **options: object) -> None:
        firm = firm_named(options["firm"])
        sso_types = firm_sso_user_types(firm=firm)
        self.stdout.write(f"{firm.name} (id {firm.pk})")
        for user_type, level in firm_mfa_levels(firm=firm).items():
            shown = MANAGED_BY_SSO if user_type in sso_types else level.label
            self.stdout.write(f"  {user_type.value:<18} {shown}")
