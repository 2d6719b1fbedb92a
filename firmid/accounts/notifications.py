"""Emails that tell a user their address changed: the old address first, so its owner can object.

They need no request, so the Administration application, the API and the CLI send the same ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from firmid.accounts.language import language_of
from firmid.core.app_settings import core_settings
from firmid.core.mail import send_templated

if TYPE_CHECKING:
    from firmid.accounts.models import User


def _send(template: str, to: str, context: dict) -> None:
    send_templated(template, to, context, language=language_of(context["user"]))


def address_changed(*, user: User, old: str) -> None:
    """Tell the old address that it no longer signs in, and the new one that it now does."""
    context = {"user": user, "old": old, "new": user.email}
    _send("address_changed_old", old, context)
    _send("address_changed_new", user.email, context)


def sso_ended(*, user: User) -> None:
    """Tell a user who never had a firmid password that they now need one, and where to choose it."""
    reset_url = core_settings.ISSUER.rstrip("/") + reverse("account_reset_password")
    _send("sso_ended", user.email, {"user": user, "reset_url": reset_url})
