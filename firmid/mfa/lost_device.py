"""A user who cannot use their authenticator asks support for help: the request, and who has one open.

Support (firmid.administration) lists the open requests and closes them when it resets the
user's MFA; here they are only made and read.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from firmid.accounts.models import User
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core import clock
from firmid.core.client_address import client_address
from firmid.core.errors import ServiceError
from firmid.mfa.factors.recovery_codes.notifications import send
from firmid.mfa.models import LostDeviceRequest

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.tenancy.models import Firm

# Requests one user may make in a day (a closed one makes room for a new one, up to this).
PER_USER_PER_DAY = 3
# Requests from one address in an hour, whoever's password it gave.
PER_ADDRESS_PER_HOUR = 20


def open_lost_device_requests(*, user: User) -> QuerySet[LostDeviceRequest]:
    """The user's requests support has not handled yet (at most one)."""
    return LostDeviceRequest.objects.filter(user=user, handled_at__isnull=True).order_by("created_at")


def firm_open_lost_device_requests(*, firm: Firm) -> QuerySet[LostDeviceRequest]:
    """The firm's requests support has not handled yet, oldest first, with their users."""
    return (
        LostDeviceRequest.objects.filter(firm=firm, handled_at__isnull=True)
        .select_related("user")
        .order_by("created_at")
    )


def lost_device_report(*, user: User, request: HttpRequest) -> tuple[LostDeviceRequest, bool]:
    """Ask support for help: one open request per user, with its audit row; return it and whether it is new.

    It signs nobody in and changes nothing of the account: support verifies the person, then resets.
    """
    with transaction.atomic():
        # One request at a time per user: the user's row is the lock (PostgreSQL); SQLite
        # writes one transaction at a time anyway.
        User.objects.select_for_update().filter(pk=user.pk).first()
        existing = open_lost_device_requests(user=user).first()
        if existing is not None:
            return existing, False
        address = client_address(request) or None
        _refuse_if_too_many(user=user, address=address)
        created = LostDeviceRequest.objects.create(user=user, firm=user.firm, created_at=clock.now(), ip=address)
        audit_record(action=AuditAction.MFA_LOST_DEVICE_REPORTED, actor=user, subject=user, request=request)
    send("lost_device_requested", user, at=created.created_at)
    return created, True


class TooManyRequests(ServiceError):
    """More lost-device requests than the limits allow."""

    status = 429
    code = "too_many_requests"


def _refuse_if_too_many(*, user: User, address: str | None) -> None:
    now = clock.now()
    if LostDeviceRequest.objects.filter(user=user, created_at__gte=now - timedelta(days=1)).count() >= PER_USER_PER_DAY:
        raise TooManyRequests(_("You already asked support for help several times today: they will contact you."))
    recent = LostDeviceRequest.objects.filter(ip=address, created_at__gte=now - timedelta(hours=1))
    if address and recent.count() >= PER_ADDRESS_PER_HOUR:
        raise TooManyRequests(_("Too many requests for help from your network: try again in an hour, or call support."))
