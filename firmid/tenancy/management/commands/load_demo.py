from django.core.management.base import BaseCommand

from firmid.tenancy.demo import load_demo


class Command(BaseCommand):
    help = "Load the README's demo firms and accounts (idempotent)."

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        created = load_demo()
        self.stdout.write(f"Demo data ready ({len(created)} account(s) created).")
