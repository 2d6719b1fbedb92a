from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from firmid.core.cli import TranslatedCommand
from firmid.demo.app_settings import demo_settings
from firmid.demo.data import load_demo


class Command(TranslatedCommand):
    help = "Load the README's demo firms and accounts (idempotent; local development only)."

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        # Demo settings exist only where demo data belongs (config/settings/local.py, test.py).
        if not demo_settings.DEMO_RP_SECRET:
            refused = _(
                "load_demo is for local development: it creates accounts with a known password "
                "(README.md). Refusing under %(settings)s (FIRMID_DEMO_RP_SECRET is not set: only the "
                "local and test settings define the demo)."
            )
            raise CommandError(refused % {"settings": settings.SETTINGS_MODULE or _("these settings")})
        created = load_demo()
        ready = ngettext(
            "Demo data ready (%(count)d account created).",
            "Demo data ready (%(count)d accounts created).",
            len(created),
        )
        self.stdout.write(ready % {"count": len(created)})
