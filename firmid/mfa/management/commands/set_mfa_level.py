from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from firmid.mfa.levels.services import firm_set_mfa_levels, parse_levels
from firmid.mfa.management.commands._cli import actor_with_email, firm_named, refusals_as_command_errors
from firmid.policy import MfaLevel, UserType


class Command(BaseCommand):
    help = "Set a firm's MFA level for one user type, as a level 2 or 3 support agent (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--firm", required=True, help="The firm's exact name, or its id.")
        parser.add_argument("--user-type", required=True, help=f"One of: {', '.join(t.value for t in UserType)}.")
        parser.add_argument("--level", required=True, help=f"One of: {', '.join(v.value for v in MfaLevel)}.")
        parser.add_argument("--actor", required=True, help="Email address of the support agent making the change.")
        parser.add_argument(
            "--confirm", action="store_true", help="Confirm a move to upon_request, which lowers protection."
        )

    def handle(self, *args: object, **options: object) -> None:
        with refusals_as_command_errors():
            levels = parse_levels({options["user_type"]: options["level"]})
            firm = firm_named(options["firm"])
            changes = firm_set_mfa_levels(
                actor=actor_with_email(options["actor"]), firm=firm, levels=levels, confirmed=options["confirm"]
            )
        for change in changes:
            self.stdout.write(self.style.SUCCESS(f"{firm.name}: {change}"))
        if not changes:
            user_type, level = next(iter(levels.items()))
            self.stdout.write(f"{firm.name}: {user_type.label} already at {level.label}; nothing changed.")
