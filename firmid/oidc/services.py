"""Registering the platform's applications (OpenID Connect clients)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model

from firmid.accounts.models import User
from firmid.accounts.permissions import require_can_change_mfa
from firmid.audit.services import audit_record
from firmid.core.errors import ServiceError
from firmid.oidc.models import ApplicationProfile
from firmid.policy import UserType

Application = get_application_model()
SCOPES = ("openid", "profile", "email")


@dataclass(frozen=True)
class Registration:
    application: Application  # type: ignore[valid-type]
    client_secret: str | None  # shown once, stored hashed; None for public clients


def _check_uris(uris: Sequence[str], what: str) -> list[str]:
    schemes = settings.OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"]
    cleaned = [u.strip() for u in uris if u.strip()]
    for uri in cleaned:
        parts = urlparse(uri)
        if parts.scheme not in schemes or not parts.netloc or parts.fragment or "*" in uri:
            raise ServiceError(
                f"{what} {uri[:100]!r} is not an exact absolute URL ({', '.join(schemes)}, no fragment, no wildcard)."
            )
    return cleaned


def _check_types(user_types: Sequence[str]) -> list[str]:
    try:
        return [UserType(t).value for t in user_types]
    except ValueError:
        raise ServiceError(f"Unknown user type among {list(user_types)!r}.") from None


@transaction.atomic
def application_register(
    *,
    actor: User | None,
    name: str,
    home_url: str,
    redirect_uris: Sequence[str],
    confidential: bool = True,
    user_types: Sequence[str] = (),
    allowed_scopes: Sequence[str] = SCOPES,
    require_mfa: bool = False,
    post_logout_redirect_uris: Sequence[str] = (),
    client_id: str | None = None,
    client_secret: str | None = None,
) -> Registration:
    """Register an application; its secret is returned once and only its hash is kept."""
    if actor is not None:
        require_can_change_mfa(actor)
    if not name.strip():
        raise ServiceError("An application needs a name.")
    redirects = _check_uris(redirect_uris, "Redirect URI")
    if not redirects:
        raise ServiceError("An application needs at least one redirect URI.")
    unknown = set(allowed_scopes) - set(SCOPES)
    if unknown or "openid" not in allowed_scopes:
        raise ServiceError(f"Scopes must include openid and be among {', '.join(SCOPES)}.")
    secret = (client_secret or generate_client_secret()) if confidential else None
    application = Application(
        name=name.strip(),
        redirect_uris=" ".join(redirects),
        post_logout_redirect_uris=" ".join(_check_uris(post_logout_redirect_uris, "Post-logout URI")),
        client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        client_secret=secret or "",
        hash_client_secret=True,
        skip_authorization=True,
        algorithm=Application.RS256_ALGORITHM,
    )
    if client_id:
        application.client_id = client_id
    application.full_clean(exclude=["user", "client_secret"])
    application.save()
    ApplicationProfile.objects.create(
        application=application, home_url=_check_uris([home_url], "Home URL")[0],
        user_types=_check_types(user_types), allowed_scopes=list(allowed_scopes), require_mfa=require_mfa,
    )
    audit_record(action="application_registered", actor=actor, new_value=application.client_id[:64], detail=name[:255])
    return Registration(application, secret)
