"""The tampering issuer stands in front of Northwind's provider as an issuer of its own, with each fault seen.

Each test plays firmid's part of the code flow by hand (firmid.testing.upstream_client).
"""

from __future__ import annotations

import json
import time

import pytest
import requests
from jwcrypto import jwk, jws, jwt

from firmid.testing.upstream import ACR_PASSWORD, CLIENT_ID, ERIN_TOTP_SECRET
from firmid.testing.upstream_client import Flow, header, payload
from firmid.testing.upstream_facade import FAULTS

ERIN, GINA = "erin@northwind.test", "gina@northwind.test"


def test_the_facade_without_fault_is_a_consistent_issuer_of_its_own(tampering_issuer) -> None:
    flow = Flow(tampering_issuer.issuer)
    callback = flow.sign_in(GINA)
    answer = flow.exchange(callback["code"])
    keys = jwk.JWKSet.from_json(json.dumps(tampering_issuer.jwks()))
    claims = json.loads(jwt.JWT(jwt=answer.json()["id_token"], key=keys, expected_type="JWS").claims)

    assert flow.discovery["issuer"] == tampering_issuer.issuer
    assert callback["iss"] == tampering_issuer.issuer
    assert (claims["iss"], claims["aud"], claims["nonce"]) == (tampering_issuer.issuer, CLIENT_ID, flow.nonce)
    assert header(answer.json()["id_token"])["kid"] == "facade-1"


def test_the_facade_rotates_its_key_and_keeps_both_published(tampering_issuer) -> None:
    tampering_issuer.rotate()

    assert [key["kid"] for key in tampering_issuer.jwks()["keys"]] == ["facade-2", "facade-1"]
    assert Flow(tampering_issuer.issuer).claims(GINA)["iss"] == tampering_issuer.issuer
    assert header(Flow(tampering_issuer.issuer).id_token(GINA))["kid"] == "facade-2"


@pytest.mark.parametrize(
    ("fault", "seen"),
    [
        ("wrong_iss", lambda raw, flow, idp: payload(raw)["iss"] == idp.issuer),
        ("wrong_aud", lambda raw, flow, idp: payload(raw)["aud"] == "someone-else"),
        ("expired", lambda raw, flow, idp: payload(raw)["exp"] < time.time() - 500),
        ("iat_future", lambda raw, flow, idp: payload(raw)["iat"] > time.time() + 3000),
        ("wrong_nonce", lambda raw, flow, idp: payload(raw)["nonce"] != flow.nonce),
        ("no_nonce", lambda raw, flow, idp: "nonce" not in payload(raw)),
        ("alg_none", lambda raw, flow, idp: header(raw)["alg"] == "none" and raw.endswith(".")),
        ("no_mfa", lambda raw, flow, idp: (payload(raw)["amr"], payload(raw)["acr"]) == (["pwd"], ACR_PASSWORD)),
        ("unknown_kid", lambda raw, flow, idp: header(raw)["kid"] == "facade-unknown"),
    ],
)
def test_each_token_fault_is_in_the_id_token(tampering_issuer, upstream_idp, fault, seen) -> None:
    tampering_issuer.fault = fault
    flow = Flow(tampering_issuer.issuer)
    email, totp = (ERIN, ERIN_TOTP_SECRET) if fault == "no_mfa" else (GINA, None)

    raw = flow.id_token(email, totp_secret=totp)

    assert seen(raw, flow, upstream_idp)


def test_bad_signature_does_not_verify_with_the_published_key_of_its_kid(tampering_issuer) -> None:
    tampering_issuer.fault = "bad_signature"
    raw = Flow(tampering_issuer.issuer).id_token(GINA)
    published = jwk.JWK(**tampering_issuer.jwks()["keys"][0])

    assert header(raw)["kid"] == published["kid"]
    with pytest.raises(jws.InvalidJWSSignature):
        jwt.JWT(jwt=raw, key=published, expected_type="JWS")


def test_token_error_answers_invalid_grant(tampering_issuer) -> None:
    flow = Flow(tampering_issuer.issuer)
    code = flow.sign_in(GINA)["code"]
    tampering_issuer.fault = "token_error"

    answer = flow.exchange(code)

    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("fault", "seen"),
    [
        ("discovery_wrong_issuer", lambda document, facade: document["issuer"] != facade.issuer),
        ("discovery_no_s256", lambda document, facade: document["code_challenge_methods_supported"] == ["plain"]),
        ("discovery_no_jwks", lambda document, facade: "jwks_uri" not in document),
    ],
)
def test_each_discovery_fault_is_in_the_document(tampering_issuer, fault, seen) -> None:
    tampering_issuer.fault = fault

    document = requests.get(f"{tampering_issuer.url}/.well-known/openid-configuration", timeout=10).json()

    assert seen(document, tampering_issuer)


def test_jwks_down_answers_503(tampering_issuer) -> None:
    jwks_uri = Flow(tampering_issuer.issuer).discovery["jwks_uri"]
    tampering_issuer.fault = "jwks_down"

    assert requests.get(jwks_uri, timeout=10).status_code == 503


def test_slow_delays_discovery(tampering_issuer) -> None:
    tampering_issuer.fault, tampering_issuer.delay = "slow", 0.5
    started = time.monotonic()

    requests.get(f"{tampering_issuer.url}/.well-known/openid-configuration", timeout=10)

    assert time.monotonic() - started >= 0.5


def test_an_unknown_fault_is_refused(tampering_issuer) -> None:
    assert "slow" in FAULTS
    with pytest.raises(ValueError, match="unknown fault"):
        tampering_issuer.fault = "wrong_everything"
