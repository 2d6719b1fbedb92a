"""What token introspection (RFC 7662) tells a client about a token: the truth, and only its own.

A token is active when it would be honoured now: an access token at UserInfo, a refresh
token at the token endpoint (not revoked or rotated, within its sliding and absolute
lifetimes, its user still allowed tokens by the policy and by the application). The
answer names the user by `sub`, the same opaque id the ID token carries.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from oauth2_provider.models import get_access_token_model, get_refresh_token_model, refresh_token_expire_timedelta
from oauth2_provider.settings import oauth2_settings

from firmid.core import clock
from firmid.oidc import policy

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()

INACTIVE = {"active": False}


def token_introspection(*, token: str, hint: str, client) -> dict:  # noqa: ANN001
    """The RFC 7662 2.2 answer about `token` to `client`, the authenticated caller."""
    # 2.1: the hint only orders the search; a token of the other type is still found.
    finders = (_refresh_token_answer, _access_token_answer)
    if hint != "refresh_token":
        finders = finders[::-1]
    checksum = hashlib.sha256(token.encode()).hexdigest()
    for finder in finders:
        answer = finder(checksum, client)
        if answer is not None:
            return answer
    return INACTIVE


def _access_token_answer(checksum: str, client) -> dict | None:  # noqa: ANN001
    token = AccessToken.objects.select_related("user", "application").filter(token_checksum=checksum).first()
    if token is None:
        return None
    if (
        token.application_id != client.pk
        or token.is_expired()
        or not policy.may_hold_application_tokens(token.user, client)
    ):
        return INACTIVE
    answer = _answer(client=client, user=token.user, scope=token.scope, issued=token.created, expires=token.expires)
    if token.resource:  # RFC 8707: the resources the token was bound to
        answer["aud"] = token.resource
    return {**answer, "token_type": "Bearer"}


def _refresh_token_answer(checksum: str, client) -> dict | None:  # noqa: ANN001
    rows = RefreshToken.objects.select_related("user", "application", "access_token").filter(token_checksum=checksum)
    if not rows.exists():
        return None
    # A rotated or revoked token keeps its row (with `revoked` set): it is not active.
    token = rows.filter(revoked__isnull=True).first()
    if token is None or token.application_id != client.pk or token.access_token is None:
        return INACTIVE
    expires = refresh_token_expiry(token)
    if expires <= clock.now() or not policy.may_hold_application_tokens(token.user, client):
        return INACTIVE
    answer = _answer(
        client=client, user=token.user, scope=token.access_token.scope, issued=token.created, expires=expires
    )
    return {**answer, "token_type": "refresh_token"}


def refresh_token_expiry(token) -> datetime:  # noqa: ANN001
    """When a live refresh token stops working: its sliding lifetime or its chain's end, the earlier."""
    # DOT's sliding lifetime runs from its access token's expiry (validate_refresh_token);
    # firmid ends every chain FIRMID_REFRESH_ABSOLUTE_SECONDS after its first token.
    absolute = policy.refresh_chain_end(family=token.token_family, created=token.created)
    sliding = refresh_token_expire_timedelta()
    return min(token.access_token.expires + sliding, absolute) if sliding else absolute


def _answer(*, client, user, scope: str, issued: datetime, expires: datetime) -> dict:  # noqa: ANN001
    return {
        "active": True,
        "scope": scope,
        "client_id": client.client_id,
        "sub": str(user.public_id),
        "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
