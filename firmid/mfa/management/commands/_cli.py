"""What the MFA commands share: finding the firm and the actor, and turning refusals into CommandError."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError

from firmid.accounts.models import User
from firmid.core.errors import ServiceError
from firmid.mfa.levels.services import ConfirmationRequired
from firmid.tenancy.models import Firm
from firmid.tenancy.selectors import firm_get


@contextmanager
def refusals_as_command_errors() -> Iterator[None]:
    """Let a service's refusal end the command with its own message and a non-zero exit code."""
    try:
        yield
    except ConfirmationRequired as refused:
        raise CommandError(f"{refused.message} Run the command again with --confirm.") from None
    except ServiceError as refused:
        raise CommandError(refused.message) from None


def firm_named(name_or_id: str) -> Firm:
    """Return the firm with this exact name, else with this id."""
    firm = Firm.objects.filter(name=name_or_id.strip()).first()
    if firm is not None:
        return firm
    if name_or_id.strip().isdigit():
        with refusals_as_command_errors():
            return firm_get(pk=int(name_or_id))
    raise CommandError(f"No accounting firm is named {name_or_id!r}.")


def actor_with_email(email: str) -> User:
    """Return the user who runs the command; whether they may is the services' decision."""
    actor = User.objects.filter(email__iexact=email.strip()).first()
    if actor is None:
        raise CommandError(f"No account has the email address {email!r}.")
    return actor
