from __future__ import annotations

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from firmid.core import clock
from firmid.core.cli import TranslatedCommand
from firmid.mfa.levels.selectors import TypeMfaOptions, firm_mfa_settings, firm_type_mfa_options
from firmid.mfa.management.commands._cli import firm_named, level_text, options_lines
from firmid.policy import MfaLevel, Status
from firmid.tenancy.labels import label

INDENT = " " * 21  # under the level, past the user type's column


class Command(TranslatedCommand):
    help = (
        "Show a firm's MFA level for each user type (with its Mandatory from date under a rollout), "
        "then each type's factor options."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--firm", required=True, help="The firm's exact name, or its id.")

    def handle(self, *args: object, **options: object) -> None:
        firm = firm_named(options["firm"])
        settings = firm_mfa_settings(firm=firm)
        type_options = {s.user_type: firm_type_mfa_options(firm=firm, user_type=s.user_type) for s in settings.managed}
        self.stdout.write(_("%(firm)s (id %(id)s)") % {"firm": firm.name, "id": firm.pk})
        for setting in settings.types:
            found = type_options.get(setting.user_type)
            level = label(Status.MANAGED_BY_SSO) if found is None else level_text(found.level, _pending(found))
            self.stdout.write(f"  {setting.user_type.value:<18} {level}")
        self.stdout.write(_("Factor options:"))
        for setting in settings.types:
            found = type_options.get(setting.user_type)
            if found is None:
                lines = [_("Identity provider: %(issuer)s (it manages MFA)") % {"issuer": setting.sso_issuer}]
            else:
                lines = options_lines(found)
            self.stdout.write(f"  {setting.user_type.value:<18} {lines[0]}")
            for line in lines[1:]:
                self.stdout.write(f"{INDENT}{line}")


def _pending(options: TypeMfaOptions) -> object:
    """The day Mandatory starts under a rollout still ahead; None when the level applies already."""
    ahead = options.mandatory_from is not None and options.mandatory_from > clock.now()
    return options.mandatory_from if ahead and options.level is MfaLevel.MANDATORY else None
