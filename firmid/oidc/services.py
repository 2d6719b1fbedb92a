"""Registering the platform's applications (OpenID Connect clients) and keeping them up to date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import ip_address
from typing import TYPE_CHECKING
from urllib.parse import urlparse, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from firmid.accounts.models import ROLES_OF_TYPE, User
from firmid.accounts.permissions import require_can_change_mfa
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core.errors import Conflict, ServiceError
from firmid.oidc.context import ACR_MFA
from firmid.oidc.models import ApplicationProfile
from firmid.policy import UserType

if TYPE_CHECKING:
    from django.http import HttpRequest

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()
SCOPES = ("openid", "profile", "email")
NAME_MAX = Application._meta.get_field("name").max_length
URI_MAX = ApplicationProfile._meta.get_field("home_url").max_length
URIS_MAX = 20


@dataclass(frozen=True)
class Registration:
    application: Application  # type: ignore[valid-type]
    client_secret: str | None  # shown once, stored hashed; None for public clients


@dataclass(frozen=True)
class _Settings:
    """What an agent sets on an application, checked: the same rules at registration and edit."""

    name: str
    home_url: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    user_types: list[str]
    allowed_scopes: list[str]
    require_mfa: bool
    allowed_origins: list[str]


# The kinds of URL an application registers, as the refusals name them.
HOME_URL = gettext_lazy("Home URL")
REDIRECT_URI = gettext_lazy("Redirect URI")
POST_LOGOUT_URI = gettext_lazy("Post-logout URI")


def _check_uris(uris: Sequence[str], what: str) -> list[str]:
    cleaned = [u.strip() for u in uris if u.strip()]
    if len(cleaned) > URIS_MAX:
        raise ServiceError(_("At most %(count)d URLs of each kind may be registered.") % {"count": URIS_MAX})
    for uri in cleaned:
        _check_uri(uri, what)
    return cleaned


def _check_uri(uri: str, what: str) -> None:
    schemes = settings.OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"]
    refusal = _("%(what)s %(uri)s is not an exact absolute URL (%(schemes)s, no fragment, no wildcard).") % {
        "what": what,
        "uri": repr(uri[:100]),
        "schemes": ", ".join(schemes),
    }
    if len(uri) > URI_MAX:
        raise ServiceError(
            _("%(what)s %(uri)s… is longer than %(count)d characters.")
            % {"what": what, "uri": repr(uri[:100]), "count": URI_MAX}
        )
    if "*" in uri or any(c.isspace() or not c.isprintable() for c in uri):
        raise ServiceError(refusal)
    try:
        parts = urlparse(uri)
    except ValueError:
        raise ServiceError(refusal) from None
    if parts.scheme not in schemes or not parts.netloc or parts.fragment or "#" in uri:
        raise ServiceError(refusal)


def _check_origins(origins: Sequence[str]) -> list[str]:
    """Return the origins, normalised as browsers send them (RFC 6454), refusing anything else."""
    cleaned = list(dict.fromkeys(_check_origin(o.strip()) for o in origins if o.strip()))
    if len(cleaned) > URIS_MAX:
        raise ServiceError(_("At most %(count)d allowed origins may be registered.") % {"count": URIS_MAX})
    return cleaned


def _check_origin(origin: str) -> str:
    parts = _origin_parts(origin)
    if parts is None:
        schemes = settings.OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"]
        raise ServiceError(
            _(
                "Allowed origin %(origin)s is not an origin: scheme://host[:port] only "
                "(%(schemes)s; http for localhost or 127.0.0.1 only), no path, no wildcard."
            )
            % {"origin": repr(origin[:100]), "schemes": ", ".join(schemes)}
        )
    scheme, host, port = parts
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def _origin_parts(origin: str) -> tuple[str, str, int | None] | None:
    """Scheme, host and port of `origin` if it is an exact origin firmid accepts; None otherwise."""
    if len(origin) > URI_MAX or set("*?#@ ") & set(origin) or not (origin.isascii() and origin.isprintable()):
        return None
    try:
        parts = urlsplit(origin.removesuffix("/"))
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in settings.OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] or not host or parts.path:
        return None
    # As for redirect URIs (RFC 8252 7.3), plain http only where nothing crosses a network.
    if parts.scheme == "http" and not _is_loopback(host):
        return None
    return parts.scheme, host, port


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _check_types(user_types: Sequence[str]) -> list[str]:
    try:
        chosen = {UserType(t) for t in user_types}
    except ValueError:
        raise ServiceError(_("Unknown user type among %(types)s.") % {"types": repr(list(user_types))}) from None
    return [t.value for t in UserType if t in chosen]


def _check_scopes(scopes: Sequence[str]) -> list[str]:
    if set(scopes) - set(SCOPES) or "openid" not in scopes:
        raise ServiceError(_("Scopes must include openid and be among %(scopes)s.") % {"scopes": ", ".join(SCOPES)})
    return [s for s in SCOPES if s in scopes]


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ServiceError(_("An application needs a name."))
    if len(name) > NAME_MAX:
        raise ServiceError(_("An application's name may have at most %(count)d characters.") % {"count": NAME_MAX})
    return name


def _checked(
    *,
    name: str,
    home_url: str,
    redirect_uris: Sequence[str],
    post_logout_redirect_uris: Sequence[str],
    user_types: Sequence[str],
    allowed_scopes: Sequence[str],
    require_mfa: bool,
    allowed_origins: Sequence[str],
) -> _Settings:
    name = _check_name(name)
    home = _check_uris([home_url], HOME_URL)
    if not home:
        raise ServiceError(_("An application needs a home URL."))
    redirects = _check_uris(redirect_uris, REDIRECT_URI)
    if not redirects:
        raise ServiceError(_("An application needs at least one redirect URI."))
    return _Settings(
        name=name,
        home_url=home[0],
        redirect_uris=redirects,
        post_logout_redirect_uris=_check_uris(post_logout_redirect_uris, POST_LOGOUT_URI),
        user_types=_check_types(user_types),
        allowed_scopes=_check_scopes(allowed_scopes),
        require_mfa=bool(require_mfa),
        allowed_origins=_check_origins(allowed_origins),
    )


def _save(application: Application, values: _Settings) -> None:  # type: ignore[valid-type]
    """Write `values` on the application and its profile, after DOT's own model checks."""
    application.name = values.name
    application.redirect_uris = " ".join(values.redirect_uris)
    application.post_logout_redirect_uris = " ".join(values.post_logout_redirect_uris)
    application.allowed_origins = " ".join(values.allowed_origins)
    try:
        application.full_clean(exclude=["user", "client_secret"])
    except ValidationError as error:
        raise ServiceError(" ".join(error.messages)) from None
    application.save()
    ApplicationProfile.objects.update_or_create(
        application=application,
        defaults={
            "home_url": values.home_url,
            "user_types": values.user_types,
            "allowed_scopes": values.allowed_scopes,
            "require_mfa": values.require_mfa,
        },
    )


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
    allowed_origins: Sequence[str] = (),
    client_id: str | None = None,
    client_secret: str | None = None,
    request: HttpRequest | None = None,
) -> Registration:
    """Register an application; its secret is returned once and only its hash is kept."""
    if actor is not None:
        require_can_change_mfa(actor)
    values = _checked(
        name=name,
        home_url=home_url,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris,
        user_types=user_types,
        allowed_scopes=allowed_scopes,
        require_mfa=require_mfa,
        allowed_origins=allowed_origins,
    )
    secret = (client_secret or generate_client_secret()) if confidential else None
    application = Application(
        client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        client_secret=secret or "",
        # A public client has no secret at all (not a hash of an empty one).
        hash_client_secret=confidential,
        skip_authorization=True,
        algorithm=Application.RS256_ALGORITHM,
    )
    if client_id:
        application.client_id = client_id
    _save(application, values)
    _audit(AuditAction.APPLICATION_REGISTERED, actor, application, request)
    return Registration(application, secret)


@transaction.atomic
def application_update(
    *,
    actor: User,
    application: Application,  # type: ignore[valid-type]
    name: str,
    home_url: str,
    redirect_uris: Sequence[str],
    user_types: Sequence[str],
    allowed_scopes: Sequence[str],
    require_mfa: bool,
    post_logout_redirect_uris: Sequence[str] = (),
    allowed_origins: Sequence[str] = (),
    request: HttpRequest | None = None,
) -> None:
    """Change what an application is registered with; tokens the new rules refuse are revoked."""
    require_can_change_mfa(actor)
    values = _checked(
        name=name,
        home_url=home_url,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris,
        user_types=user_types,
        allowed_scopes=allowed_scopes,
        require_mfa=require_mfa,
        allowed_origins=allowed_origins,
    )
    before = ApplicationProfile.objects.filter(application=application).first()
    _save(application, values)
    _revoke_what_is_no_longer_allowed(application, before, values)
    _audit(AuditAction.APPLICATION_UPDATED, actor, application, request)


def _revoke_what_is_no_longer_allowed(application, before: ApplicationProfile | None, after: _Settings) -> None:  # noqa: ANN001
    """No user keeps tokens of an application that its new settings would not let them into."""
    live = RefreshToken.objects.filter(application=application, revoked__isnull=True)
    if after.require_mfa and not (before and before.require_mfa):
        # Tokens issued after a password only no longer satisfy the application.
        with_mfa = Grant.objects.filter(application=application, acr=ACR_MFA, issued_token_family__isnull=False)
        _revoke_families(live.exclude(token_family__in=with_mfa.values("issued_token_family")))
    if after.user_types:
        admitted = [role for t in after.user_types for role in ROLES_OF_TYPE[UserType(t)]]
        _revoke_families(live.exclude(user__role__in=admitted))
        AccessToken.objects.filter(application=application).exclude(user__role__in=admitted).delete()


def _revoke_families(refresh_tokens: QuerySet) -> None:
    """Revoke the rotation chains of `refresh_tokens`, with their access tokens."""
    for family in set(refresh_tokens.values_list("token_family", flat=True)):
        RefreshToken.revoke_family(family)


@transaction.atomic
def application_regenerate_secret(
    *,
    actor: User,
    application: Application,
    request: HttpRequest | None = None,  # type: ignore[valid-type]
) -> str:
    """Give a confidential client a new secret, returned once; the old one stops working now."""
    require_can_change_mfa(actor)
    if application.client_type != Application.CLIENT_CONFIDENTIAL:
        raise Conflict(_("A public client has no secret."))
    secret = generate_client_secret()
    application.client_secret = secret
    application.hash_client_secret = True
    application.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    _audit(AuditAction.APPLICATION_SECRET_REGENERATED, actor, application, request)
    return secret


@transaction.atomic
def application_delete(
    *,
    actor: User,
    application: Application,
    request: HttpRequest | None = None,  # type: ignore[valid-type]
) -> None:
    """Delete an application with its codes and tokens (the database cascades)."""
    require_can_change_mfa(actor)
    _audit(AuditAction.APPLICATION_DELETED, actor, application, request, field="old_value")
    application.delete()


def _audit(
    action: AuditAction,
    actor: User | None,
    application,  # noqa: ANN001 - DOT's swappable Application model
    request: HttpRequest | None,
    field: str = "new_value",
) -> None:
    # The client id and name only: never a secret.
    audit_record(
        action=action,
        actor=actor,
        request=request,
        detail=application.name[:255],
        **{field: application.client_id[:64]},
    )
