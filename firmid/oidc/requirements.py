"""What an authorization request a sign-in is heading to will ask of it, read before it gets there."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from oauth2_provider.models import get_application_model

from firmid.oidc.context import ACR_MFA

# Long enough for any real client_id (DOT's column is 100 characters); longer is no application.
_CLIENT_ID_MAX = 100


def _authorization_query(url: str | None) -> dict[str, list[str]] | None:
    """The query of `url` if it is firmid's authorization endpoint (a path of this site), else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1": not a URL at all
        return None
    if parts.scheme or parts.netloc or parts.path != reverse("oauth2_provider:authorize"):
        return None
    return parse_qs(parts.query)


def authorization_requires_mfa(url: str | None) -> bool:
    """Will the authorization request at `url` demand a second factor (`acr_values` or the application)?

    The same rule as the authorization view's: the application requires MFA, or the request
    asks for firmid's MFA acr. Anything that is not an authorization request asks nothing.
    """
    if not url:
        return False
    parts = urlsplit(url)
    if parts.path != reverse("oauth2_provider:authorize"):
        return False
    query = parse_qs(parts.query)
    if any(ACR_MFA in value.split() for value in query.get("acr_values", [])):
        return True
    client_ids = query.get("client_id", [])
    return len(client_ids) == 1 and _application_requires_mfa(client_id=client_ids[0])


def _application_requires_mfa(*, client_id: str) -> bool:
    if not client_id or len(client_id) > _CLIENT_ID_MAX:
        return False
    return get_application_model().objects.filter(client_id=client_id, firmid_profile__require_mfa=True).exists()


def registered_application(client_id: str | None):  # noqa: ANN201
    """The registered application of this client_id, or None (no query for what no client_id can be)."""
    if not client_id or len(client_id) > _CLIENT_ID_MAX:
        return None
    return get_application_model().objects.filter(client_id=client_id).select_related("firmid_profile").first()


def authorization_application_name(url: str | None) -> str | None:
    """The registered name of the application the authorization request at `url` comes from, or None.

    Only for a request the application could have sent: one client_id, registered, and one
    redirect_uri it registered. The name is the one support registered, never anything of
    the URL's: the sign-in page says "Sign in to continue to <name>".
    """
    query = _authorization_query(url)
    if query is None:
        return None
    client_ids, redirect_uris = query.get("client_id", []), query.get("redirect_uri", [])
    if len(client_ids) != 1 or len(redirect_uris) != 1:
        return None
    application = registered_application(client_ids[0])
    if application is None or not application.redirect_uri_allowed(redirect_uris[0]):
        return None
    return application.name or None
