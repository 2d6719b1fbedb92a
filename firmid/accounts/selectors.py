"""Reads of users: the support staff's lists and look-ups."""

from __future__ import annotations

from enum import Enum
from uuid import UUID

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from firmid.accounts.models import CLIENT_ROLES, Role, User
from firmid.core.errors import NotFound


class UserKind(str, Enum):
    """The two lists of the Administration application's left-hand bar."""

    PRACTITIONERS = "practitioners"
    CLIENT_USERS = "client_users"


ROLES_OF_KIND: dict[UserKind, tuple[str, ...]] = {
    UserKind.PRACTITIONERS: (Role.PRACTITIONER,),
    UserKind.CLIENT_USERS: CLIENT_ROLES,
}


def user_kind_of(user: User) -> UserKind:
    """Return the list a firm user appears in."""
    return UserKind.PRACTITIONERS if user.role == Role.PRACTITIONER else UserKind.CLIENT_USERS


def users_search(*, kind: UserKind, query: str = "", firm_id: int | None = None) -> QuerySet[User]:
    """Return the firm users of `kind` whose email or full name contains `query`, by email."""
    users = User.objects.filter(role__in=ROLES_OF_KIND[kind]).select_related("firm").order_by("email")
    query = query.strip()
    if query:
        users = users.filter(Q(email__icontains=query) | Q(full_name__icontains=query))
    if firm_id is not None:
        users = users.filter(firm_id=firm_id)
    return users


def firm_user_get(*, public_id: UUID) -> User:
    """Return the firm user with this public id; support agents are not firm users."""
    user = (
        User.objects.select_related("firm", "client_company")
        .exclude(role=Role.SUPPORT_AGENT)
        .filter(public_id=public_id)
        .first()
    )
    if user is None:
        raise NotFound(_("No firm user has this id."))
    return user


def user_by_address(*, email: str) -> User | None:
    """Return the user whose one address is `email`, in any case; allauth's other address rows never count."""
    # Lower(email) is the unique index user_email_unique_ci: one user at most, found by the index.
    return User.objects.alias(address=Lower("email")).filter(address=email.strip().lower()).first()
