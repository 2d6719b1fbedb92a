from __future__ import annotations

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from firmid.core.cli import TranslatedCommand
from firmid.mfa.levels.changes import LevelChange
from firmid.mfa.levels.inputs import parse_level, parse_mandatory_from, parse_methods, parse_user_type
from firmid.mfa.levels.services import TypeSettingsInput, firm_save_mfa_settings
from firmid.mfa.management.commands._cli import (
    actor_with_email,
    firm_named,
    level_change_text,
    refusals_as_command_errors,
)
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.labels import label


class Command(TranslatedCommand):
    help = (
        "Set a firm's MFA level for one user type (optionally Mandatory from a day, and the allowed methods), "
        "as a level 2 or 3 support agent (audited)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--firm", required=True, help="The firm's exact name, or its id.")
        parser.add_argument("--user-type", required=True, help=f"One of: {', '.join(t.value for t in UserType)}.")
        parser.add_argument("--level", required=True, help=f"One of: {', '.join(v.value for v in MfaLevel)}.")
        parser.add_argument(
            "--from",
            dest="mandatory_from",
            metavar="YYYY-MM-DD",
            default=None,
            help="With --level mandatory: mandatory from this day (00:00 UTC), offered with Activate later until "
            "then. Without it the level applies at once.",
        )
        parser.add_argument(
            "--methods",
            default=None,
            metavar="totp,webauthn",
            help="The allowed methods, comma-separated (totp, webauthn). Left out: unchanged.",
        )
        parser.add_argument("--actor", required=True, help="Email address of the support agent making the change.")
        parser.add_argument(
            "--confirm",
            action="store_true",
            help="Confirm a move to upon_request, or methods that take some users' only factor away.",
        )

    def handle(self, *args: object, **options: object) -> None:
        with refusals_as_command_errors():
            user_type = parse_user_type(options["user_type"])
            settings = TypeSettingsInput(
                level=parse_level(options["level"]),
                mandatory_from=parse_mandatory_from(options["mandatory_from"]),
                allowed_methods=None if options["methods"] is None else parse_methods(options["methods"]),
            )
            firm = firm_named(options["firm"])
            plan = firm_save_mfa_settings(
                actor=actor_with_email(options["actor"]),
                firm=firm,
                settings={user_type: settings},
                confirmed=options["confirm"],
            )
        for change in (*plan.level_changes, *plan.option_changes):
            text = level_change_text(change) if isinstance(change, LevelChange) else str(change)
            self.stdout.write(self.style.SUCCESS(_("%(firm)s: %(change)s") % {"firm": firm.name, "change": text}))
        if not plan.changed:
            unchanged = _("%(firm)s: %(type)s already at %(level)s; nothing changed.")
            self.stdout.write(unchanged % {"firm": firm.name, "type": label(user_type), "level": label(settings.level)})
