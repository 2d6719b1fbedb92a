"""Who may do what in the Administration application: one place for the rule."""

from __future__ import annotations

from django.utils.translation import gettext as _

from firmid.accounts.models import User
from firmid.core.errors import NotAllowed

CHANGE_LEVELS = (2, 3)


def can_view_administration(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_support_agent)


def can_change_mfa(user: User) -> bool:
    return can_view_administration(user) and user.support_level in CHANGE_LEVELS


def require_can_change_mfa(actor: User) -> None:
    """Refuse unless `actor` is a level 2 or 3 support agent."""
    if not can_change_mfa(actor):
        raise NotAllowed(_("Only level 2 and 3 support agents can change MFA settings."))
