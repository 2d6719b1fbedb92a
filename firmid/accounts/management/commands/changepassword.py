"""Django's changepassword, which also ends the user's sessions and tokens, audits it, and speaks French too."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.management.commands import changepassword
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from firmid.accounts.models import User
from firmid.accounts.selectors import user_by_address
from firmid.accounts.services import user_password_written
from firmid.audit.actions import AuditAction
from firmid.core.cli import TranslatedCommand

MAX_TRIES = 3


class Command(TranslatedCommand, changepassword.Command):
    help = "Change a user's password: their sessions and every application's tokens end; it is audited."

    def handle(self, *args: Any, **options: Any) -> None:
        address = options["username"] or getpass.getuser()
        user = user_by_address(email=address)
        if user is None:
            raise CommandError(_("No account has the email address %(email)s.") % {"email": repr(address)})
        self.stdout.write(_("Changing the password of %(email)s.") % {"email": user.email})
        password = self._new_password(user)
        # The password, the revocation and the audit row commit together or not at all.
        with transaction.atomic(using=options["database"]):
            user.set_password(password)
            user.save(update_fields=["password"])
            user_password_written(
                user=user, action=AuditAction.PASSWORD_CHANGED, detail="on the command line (manage.py changepassword)"
            )
        done = _("Password changed for %(email)s: their sessions and every application's tokens have ended.")
        self.stdout.write(done % {"email": user.email})

    def _new_password(self, user: User) -> str:
        """Ask twice, at most MAX_TRIES times, until both agree and the password rules accept it."""
        for _attempt in range(MAX_TRIES):
            first = self._get_pass(_("Password: "))
            second = self._get_pass(_("Password (again): "))
            if first != second:
                self.stdout.write(_("The passwords do not match. Please try again."))
                continue
            try:
                validate_password(second, user)
            except ValidationError as refused:
                self.stderr.write("\n".join(refused.messages))
                continue
            return second
        raise CommandError(_("The password was not changed: %(count)d attempts failed.") % {"count": MAX_TRIES})
