"""The Administration application as its tests see it: a user's pages, the messages a page left."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.http import HttpResponse

from firmid.accounts.models import User


def user_url(user: User, action: str) -> str:
    """A user's page in the Administration application: security, activate-mfa, reset-mfa…"""
    return f"/administration/users/{user.public_id}/{action}/"


def messages_of(response: HttpResponse) -> list[str]:
    """The messages a response left for the next page."""
    return [str(m) for m in get_messages(response.wsgi_request)]
