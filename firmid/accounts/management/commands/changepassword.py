"""Django's changepassword, which also ends the user's sessions and tokens and audits it."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.management.commands import changepassword
from django.db import transaction

from firmid.accounts.selectors import user_by_address
from firmid.accounts.services import user_password_written
from firmid.audit.actions import AuditAction


class Command(changepassword.Command):
    help = "Change a user's password: their sessions and every application's tokens end; it is audited."

    def handle(self, *args: Any, **options: Any) -> None:
        # The password, the revocation and the audit row commit together or not at all.
        with transaction.atomic(using=options["database"]):
            super().handle(*args, **options)
            user = user_by_address(email=options["username"] or getpass.getuser())
            user_password_written(
                user=user, action=AuditAction.PASSWORD_CHANGED, detail="on the command line (manage.py changepassword)"
            )
