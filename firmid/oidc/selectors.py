"""Reads of the registered applications: who may sign in to them, and what support staff see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from oauth2_provider.models import get_application_model

from firmid.accounts.models import User
from firmid.core.errors import NotFound
from firmid.policy import UserType
from firmid.tenancy.labels import label
from firmid.tenancy.selectors import MAX_PK

Application = get_application_model()


def application_admits(*, application, user: User) -> bool:  # noqa: ANN001
    """May `user` sign in to `application`? Applications may be open to some user types only."""
    profile = getattr(application, "firmid_profile", None)
    if profile is None or not profile.user_types:
        return True
    return user.user_type is not None and user.user_type.value in profile.user_types


@dataclass(frozen=True)
class ApplicationSummary:
    """An application as the Administration application shows it: never its secret."""

    pk: int
    name: str
    client_id: str
    confidential: bool
    home_url: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    user_types: list[UserType]
    scopes: list[str]
    require_mfa: bool
    allowed_origins: list[str]

    @property
    def client_type_label(self) -> str:
        return pgettext("client type", "Confidential") if self.confidential else pgettext("client type", "Public")

    @property
    def user_types_label(self) -> str:
        return ", ".join(label(t) for t in self.user_types) or pgettext("user types", "All")


def applications_list() -> QuerySet:
    """Return the registered applications by name."""
    return Application.objects.select_related("firmid_profile").order_by("name", "pk")


def application_get(*, pk: int) -> Application:  # type: ignore[valid-type]
    """Return the application with this primary key."""
    application = None
    if 0 < pk <= MAX_PK:
        application = Application.objects.select_related("firmid_profile").filter(pk=pk).first()
    if application is None:
        raise NotFound(_("No application has this id."))
    return application


def application_summary(application) -> ApplicationSummary:  # noqa: ANN001
    """Return what support staff may see of `application`."""
    profile = getattr(application, "firmid_profile", None)
    return ApplicationSummary(
        pk=application.pk,
        name=application.name,
        client_id=application.client_id,
        confidential=application.client_type == Application.CLIENT_CONFIDENTIAL,
        home_url=profile.home_url if profile else "",
        redirect_uris=application.redirect_uris.split(),
        post_logout_redirect_uris=application.post_logout_redirect_uris.split(),
        user_types=[UserType(t) for t in profile.user_types] if profile else [],
        scopes=list(profile.allowed_scopes) if profile else [],
        require_mfa=bool(profile and profile.require_mfa),
        allowed_origins=application.allowed_origins.split(),
    )


def application_scopes(*, application) -> list[str] | None:  # noqa: ANN001
    """The scopes this application may ask for; None when firmid keeps no list for it."""
    profile = getattr(application, "firmid_profile", None)
    return list(profile.allowed_scopes) if profile is not None and profile.allowed_scopes else None
