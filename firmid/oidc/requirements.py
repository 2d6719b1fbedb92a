"""What an authorization request a sign-in is heading to will ask of it, read before it gets there."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from oauth2_provider.models import get_application_model

from firmid.oidc.context import ACR_MFA

# Long enough for any real client_id (DOT's column is 100 characters); longer is no application.
_CLIENT_ID_MAX = 100


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
