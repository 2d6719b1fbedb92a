"""E-mails about recovery codes: each use (when, from where, how many are left) and a new set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmid.accounts.language import language_of
from firmid.core import clock
from firmid.core.client_address import client_address
from firmid.core.mail import send_templated

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.accounts.models import User


def send(template: str, user: User, **context: object) -> None:
    """Send `templates/firmid/email/<template>_{subject,message}.txt` to the user."""
    send_templated(template, user.email, {"user": user, **context}, language=language_of(user))


def code_used(*, user: User, request: HttpRequest | None, left: int) -> None:
    """Tell the user a recovery code of theirs was just used, from where, and how many remain."""
    from firmid.mfa.factors.recovery_codes.flows import FEW_LEFT

    send(
        "recovery_code_used",
        user,
        at=clock.now(),
        ip=client_address(request) if request is not None else "",
        left=left,
        few_left=left <= FEW_LEFT,
    )


def codes_regenerated(*, user: User) -> None:
    send("recovery_codes_generated", user, at=clock.now())
