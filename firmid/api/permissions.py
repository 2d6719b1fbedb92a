"""Who may call the API: the Administration application's rule, taken from one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from firmid.accounts.permissions import can_view_administration, require_can_change_mfa

if TYPE_CHECKING:
    # Imported for types only: DRF imports this module while rest_framework.views loads.
    from rest_framework.request import Request
    from rest_framework.views import APIView


class SupportAgentAccess(BasePermission):
    """Support agents read; writes need level 2 or 3 (the services check it again)."""

    message = _("Only support agents can use this API.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not can_view_administration(request.user):
            return False
        if request.method not in SAFE_METHODS:
            # Refused before the body is even read, with the services' own message.
            require_can_change_mfa(request.user)
        return True
