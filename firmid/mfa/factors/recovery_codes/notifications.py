"""E-mails about recovery codes: each use (when, from where, how many are left) and a new set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from firmid.core import clock
from firmid.core.client_address import client_address

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.accounts.models import User


def send(template: str, user: User, **context: object) -> None:
    """Send `templates/firmid/email/<template>_{subject,message}.txt` to the user."""
    context = {"user": user, **context}
    subject = render_to_string(f"firmid/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"firmid/email/{template}_message.txt", context)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [user.email])


def code_used(*, user: User, request: HttpRequest | None, left: int) -> None:
    """Tell the user a recovery code of theirs was just used, from where, and how many remain."""
    from firmid.mfa.factors.recovery_codes.flows import FEW_LEFT

    send(
        "recovery_code_used",
        user,
        at=clock.now().strftime("%Y-%m-%d %H:%M UTC"),
        ip=(client_address(request) if request is not None else "") or "an unknown address",
        left=left,
        few_left=left <= FEW_LEFT,
    )


def codes_regenerated(*, user: User) -> None:
    send("recovery_codes_generated", user, at=clock.now().strftime("%Y-%m-%d %H:%M UTC"))
