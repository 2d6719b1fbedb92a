from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from firmid.demo.app_settings import demo_settings
from firmid.demo.data import load_demo

REFUSED = (
    "load_demo is for local development: it creates accounts with a known password "
    "(README.md). Refusing under {settings} (FIRMID_DEMO_RP_SECRET is not set: only the "
    "local and test settings define the demo)."
)


class Command(BaseCommand):
    help = "Load the README's demo firms and accounts (idempotent; local development only)."

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        # Demo settings exist only where demo data belongs (config/settings/local.py, test.py).
        if not demo_settings.DEMO_RP_SECRET:
            raise CommandError(REFUSED.format(settings=settings.SETTINGS_MODULE or "these settings"))
        created = load_demo()
        self.stdout.write(f"Demo data ready ({len(created)} account(s) created).")
