"""The whole flow driven by Authlib (Python), a real relying-party library, against a live firmid.

Discovery, an authorization URL with PKCE S256 and a nonce (OAuth2Session), the token
exchange with client_secret_basic, the ID token verified against the JWKS the way
Authlib's own OpenID integrations do it (joserfc, Authlib's JOSE, for the signature;
authlib.oidc.core.CodeIDToken for iss, aud, exp, iat, nonce, at_hash, auth_time), then
UserInfo, refresh with rotation and reuse detection, and revocation (RFC 7009).
"""

from __future__ import annotations

import time
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from . import browserless


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Authlib's JOSE compatibility shims
def test_authlib_code_flow_with_pkce_refresh_and_revocation(relying_party, alice, password) -> None:
    rp = relying_party
    metadata = requests.get(f"{rp.issuer}/.well-known/openid-configuration", timeout=10).json()
    assert metadata["issuer"] == rp.issuer  # Discovery 4.3
    session = OAuth2Session(
        rp.client_id,
        rp.client_secret,
        scope="openid profile email",
        redirect_uri=rp.redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    assert parse_qs(urlparse(url).query)["code_challenge_method"] == ["S256"]

    callback = browserless.sign_in(url, email=alice.email, password=password, redirect_uri=rp.redirect_uri)
    assert parse_qs(urlparse(callback).query)["iss"] == [rp.issuer]  # RFC 9207, checked by the RP
    token = session.fetch_token(
        metadata["token_endpoint"],
        authorization_response=callback,
        state=state,
        code_verifier=verifier,
    )
    assert token["token_type"].lower() == "bearer" and token["refresh_token"]

    # The ID token, verified against the JWKS and validated as OIDC Core 3.1.3.7 says.
    keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    decoded = jwt.decode(
        token["id_token"],
        keys,
        registry=JWSRegistry(algorithms=metadata["id_token_signing_alg_values_supported"], strict_check_header=False),
    )
    assert decoded.header["alg"] == "RS256"
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"essential": True, "values": [rp.issuer]}},
        {"nonce": nonce, "client_id": rp.client_id, "access_token": token["access_token"]},
    )
    claims.validate(leeway=60)  # iss, aud, exp, iat, nonce, at_hash, azp
    assert claims["aud"] == rp.client_id and claims["nonce"] == nonce and claims["exp"] > time.time()
    assert isinstance(claims["sub"], str) and str(uuid.UUID(claims["sub"])) == claims["sub"]  # never a DB integer
    assert claims["sub"] == str(alice.public_id)
    assert isinstance(claims["auth_time"], int) and claims["auth_time"] <= claims["iat"]
    assert claims["amr"] == ["pwd"] and claims["acr"] == "urn:firmid:acr:pwd"
    assert claims["email"] == alice.email and claims["firm"]["name"] == alice.firm.name

    userinfo = session.get(metadata["userinfo_endpoint"]).json()
    assert userinfo["sub"] == claims["sub"] and userinfo["email"] == alice.email

    # Refresh: rotated; the old refresh token is refused, and its reuse revokes the new one too.
    renewed = session.refresh_token(metadata["token_endpoint"], refresh_token=token["refresh_token"])
    assert renewed["refresh_token"] != token["refresh_token"] and renewed["access_token"] != token["access_token"]
    assert session.get(metadata["userinfo_endpoint"]).json()["sub"] == claims["sub"]  # with the new token
    again = session.refresh_token(metadata["token_endpoint"], refresh_token=renewed["refresh_token"])
    with pytest.raises(OAuthError) as reused:
        session.refresh_token(metadata["token_endpoint"], refresh_token=renewed["refresh_token"])
    assert reused.value.error == "invalid_grant"
    with pytest.raises(OAuthError) as revoked_family:
        session.refresh_token(metadata["token_endpoint"], refresh_token=again["refresh_token"])
    assert revoked_family.value.error == "invalid_grant"

    # Revocation (RFC 7009) of a fresh family's refresh token.
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"],
        code_verifier=(verifier := generate_token(48)),
        nonce=generate_token(20),
    )
    # Still signed in at firmid: the callback comes straight back (no sign-in page).
    callback = browserless.sign_in(
        url,
        email=alice.email,
        password="not-asked",
        redirect_uri=rp.redirect_uri,
        session=_signed_in_session(rp, alice, password),
    )
    fresh = session.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, state=state, code_verifier=verifier
    )
    revoked = session.revoke_token(
        metadata["revocation_endpoint"], token=fresh["refresh_token"], token_type_hint="refresh_token"
    )
    assert revoked.status_code == 200
    with pytest.raises(OAuthError) as after_revocation:
        session.refresh_token(metadata["token_endpoint"], refresh_token=fresh["refresh_token"])
    assert after_revocation.value.error == "invalid_grant"


def _signed_in_session(rp, alice, password: str) -> requests.Session:
    """A user agent signed in at firmid (a first flow), for a second flow without the sign-in page."""
    session = requests.Session()
    probe = OAuth2Session(
        rp.client_id, rp.client_secret, scope="openid", redirect_uri=rp.redirect_uri, code_challenge_method="S256"
    )
    url, _ = probe.create_authorization_url(f"{rp.issuer}/oauth/authorize/", code_verifier=generate_token(48))
    browserless.sign_in(url, email=alice.email, password=password, redirect_uri=rp.redirect_uri, session=session)
    return session
