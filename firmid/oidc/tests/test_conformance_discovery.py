"""OpenID Foundation Basic OP modules on discovery, the JWKS and the ID token's signature.

OpenID Connect Discovery 1.0 section 3 and 4.3, OIDC Core 3.1.3.7 and 10.1, RFC 7517.
"""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client
from jwcrypto import jwk, jws, jwt

from config import env
from firmid.testing.oidc import DISCOVERY, JWKS, code_flow, issuer, jwks, verify_id_token


@pytest.fixture
def discovery(db) -> dict:
    response = Client().get(DISCOVERY)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    return response.json()


def test_oidcc_discovery_issuer_matches(discovery: dict) -> None:
    # Discovery 4.3: the issuer returned must be identical to the one the document was fetched for.
    assert discovery["issuer"] == issuer()
    assert not discovery["issuer"].endswith("/")
    assert Client().get(f"{DISCOVERY}").json()["issuer"] == issuer()  # stable, whatever the Host


def test_oidcc_discovery_endpoint_verification(discovery: dict) -> None:
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ):
        assert discovery[name].startswith(issuer() + "/"), name
    assert discovery["response_types_supported"] == ["code"]  # no implicit, no hybrid
    assert discovery["grant_types_supported"] == ["authorization_code", "refresh_token"]  # no password
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["subject_types_supported"] == ["public"]
    assert "RS256" in discovery["id_token_signing_alg_values_supported"]
    assert "none" not in discovery["id_token_signing_alg_values_supported"]
    assert {"openid", "profile", "email"} <= set(discovery["scopes_supported"])
    assert {"client_secret_basic", "client_secret_post"} <= set(discovery["token_endpoint_auth_methods_supported"])
    # Exactly what is handled: consent is refused (consent_required), select_account signs in again.
    assert sorted(discovery["prompt_values_supported"]) == ["login", "none", "select_account"]
    # form_post is implemented; fragment (the default with query when left out) is refused.
    assert discovery["response_modes_supported"] == ["query", "form_post"]
    # RFC 7662 2.1: confidential clients only, never "none".
    assert discovery["introspection_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert discovery["acr_values_supported"] == ["urn:firmid:acr:pwd", "urn:firmid:acr:mfa"]
    # Every claim firmid can release is listed (RECOMMENDED), not only firmid's own.
    assert {"sub", "name", "email", "email_verified", "firm", "user_type", "role", "auth_time", "amr", "acr"} <= set(
        discovery["claims_supported"]
    )
    assert discovery["authorization_response_iss_parameter_supported"] is True  # RFC 9207
    # Neither is supported, and request_uri_parameter_supported would default to true.
    assert discovery["request_parameter_supported"] is False
    assert discovery["request_uri_parameter_supported"] is False
    assert discovery["claims_parameter_supported"] is False


def test_jwks_publishes_public_signing_keys_only(db) -> None:
    response = Client().get(JWKS)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    keys = response.json()["keys"]
    assert keys and len({key["kid"] for key in keys}) == len(keys)
    for key in keys:
        assert key["kty"] == "RSA" and key["use"] == "sig" and key["alg"] == "RS256"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key), "a private parameter is published"
        assert len(base64.urlsafe_b64decode(key["n"] + "==")) * 8 >= 2048


def test_oidcc_idtoken_signature(client, alice, password, registration) -> None:
    request, tokens = code_flow(client, registration, alice, password)
    token = verify_id_token(tokens["id_token"], registration=registration, nonce=request.nonce)
    assert token.header["alg"] == "RS256" and token.header["kid"]
    # A signature that does not match is refused by the JWKS (the check a client makes).
    header, payload, signature = tokens["id_token"].split(".")
    forged_claims = {**token.claims, "sub": "00000000-0000-0000-0000-000000000000"}
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=").decode()
    with pytest.raises((jws.InvalidJWSSignature, jwt.JWTMissingKey)):  # no key of the set verifies it
        jwt.JWT(jwt=f"{header}.{forged_payload}.{signature}", key=jwks(), algs=["RS256"])


def test_oidcc_idtoken_rs256_never_hs256_with_the_client_secret(client, alice, password, registration) -> None:
    _, tokens = code_flow(client, registration, alice, password)
    header = json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[0] + "==="))
    assert header["alg"] == "RS256"
    secret_key = jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(registration.client_secret.encode()).decode())
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever jwcrypto raises, it must not verify
        jwt.JWT(jwt=tokens["id_token"], key=secret_key, algs=["HS256"])


def test_oidcc_jwks_key_rotation_keeps_the_old_key_published(client, alice, password, registration, settings) -> None:
    """Rotation: the new key signs, the retired one stays in the JWKS until its tokens expire."""
    _, before = code_flow(client, registration, alice, password)
    old_kid = verify_id_token(before["id_token"], registration=registration).header["kid"]
    old_key = settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": env.rsa_private_key_pem(),
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [old_key],
    }
    published = {key["kid"] for key in Client().get(JWKS).json()["keys"]}
    assert old_kid in published and len(published) == 2
    # An ID token signed before the rotation still verifies against the published JWKS ...
    verify_id_token(before["id_token"], registration=registration)
    # ... and new ones are signed with the new key.
    _, after = code_flow(client, registration, alice, password)
    new_kid = verify_id_token(after["id_token"], registration=registration).header["kid"]
    assert new_kid != old_kid and new_kid in published
    # Once the old key is dropped (its tokens expired), its tokens no longer verify.
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEYS_INACTIVE": []}
    assert {key["kid"] for key in Client().get(JWKS).json()["keys"]} == {new_kid}
    with pytest.raises((jws.InvalidJWSSignature, jwt.JWTMissingKey)):
        jwt.JWT(jwt=before["id_token"], key=jwks(), algs=["RS256"])
