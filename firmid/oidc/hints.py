"""id_token_hint at the authorization endpoint (OIDC Core 3.1.2.1): whose ID token is it?

The hint is an ID token this provider issued to the client earlier; it may have expired
(an application sends the one it kept), so only its signature, issuer and audience are
checked: against the signing key and the retired keys still published in the JWKS.
"""

from __future__ import annotations

import functools
import json

from jwcrypto import jwk, jwt
from jwcrypto.common import JWException
from oauth2_provider.settings import oauth2_settings

from firmid.oidc.door import Hint


@functools.cache
def _keys(pems: tuple[str, ...]) -> jwk.JWKSet:
    keys = jwk.JWKSet()
    for pem in pems:
        keys.add(jwk.JWK.from_pem(pem.encode()))
    return keys


def hinted_subject(token: str, *, client_id: str) -> str | None:
    """The `sub` of an ID token this provider signed for `client_id`, else None."""
    pems = (oauth2_settings.OIDC_RSA_PRIVATE_KEY, *oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE)
    try:
        # check_claims={} checks the claims' types but not exp: an expired hint is a hint.
        verified = jwt.JWT(jwt=token, key=_keys(pems), algs=["RS256"], check_claims={})
        claims = json.loads(verified.claims)
    except (JWException, ValueError, TypeError, KeyError):
        return None
    if not isinstance(claims, dict) or claims.get("iss") != oauth2_settings.OIDC_ISS_ENDPOINT:
        return None
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client_id not in audiences:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None


def hint_fact(token: str | None, *, client_id: str, user_subject: str | None) -> Hint:
    """Say whether `token` names the signed-in user (whose `sub` is `user_subject`)."""
    if not token:
        return Hint.ABSENT
    subject = hinted_subject(token, client_id=client_id)
    if subject is None:
        return Hint.FOREIGN
    return Hint.SIGNED_IN_USER if subject == user_subject else Hint.ANOTHER_USER
