"""The upstream's discovery document, key set and ID tokens, checked against a provider of the test's own.

A tiny http.server on loopback plays the firm's provider: it serves a discovery document and
a key set the test changes at will, and counts what firmid asks. The ID tokens are signed
here with joserfc; time moves with the frozen clock, never by sleeping.
"""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from firmid.sso import upstream
from firmid.sso.upstream import Metadata, Problem, UpstreamError
from firmid.testing.loopback_provider import DISCOVERY, JWKS, Provider, discovery_document

CLIENT_ID = "firmid-northwind"
CLIENT_SECRET = "northwind-secret"
NONCE = "n-0S6_WzA2Mj"
SKEW, MAX_AGE = 60, 300


def rsa_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})


# Generated once: RSA key generation is the slow part of these tests.
K1, K2, ROGUE = rsa_key("k1"), rsa_key("k2"), rsa_key("k1")  # ROGUE: a key nobody published, under k1's kid
UNPUBLISHED = rsa_key("k9")


def published(*keys: RSAKey) -> dict:
    return KeySet(list(keys)).as_dict(private=False)


@pytest.fixture
def provider(db, settings) -> Iterator[Provider]:
    """The firm's provider on loopback, publishing K1; the cache (database) starts empty with each test."""
    settings.FIRMID_SSO_ALLOW_HTTP_LOOPBACK = True
    settings.FIRMID_SSO_CLOCK_SKEW_SECONDS = SKEW
    settings.FIRMID_SSO_ID_TOKEN_MAX_AGE_SECONDS = MAX_AGE
    running = Provider()
    running.routes[DISCOVERY] = discovery_document(running.url)
    running.routes[JWKS] = published(K1)
    yield running
    running.stop()


@pytest.fixture
def metadata(provider: Provider) -> Metadata:
    return Metadata(
        issuer=provider.url,
        authorization_endpoint=f"{provider.url}/authorize",
        token_endpoint=f"{provider.url}/token",
        jwks_uri=f"{provider.url}{JWKS}",
    )


@pytest.fixture
def now(frozen_clock) -> int:
    return int(frozen_clock.now)


def claims_of(issuer: str, now: int, **changes: object) -> dict:
    """The claims of a good ID token for firmid; a change to None drops the claim."""
    claims = {
        "iss": issuer,
        "sub": "nw-erin",
        "aud": CLIENT_ID,
        "exp": now + 300,
        "iat": now,
        "nonce": NONCE,
        "email": "erin@northwind.test",
        "email_verified": True,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def signed(claims: dict, key: RSAKey | OctKey = K1, alg: str = "RS256") -> str:
    kid = key.kid
    return jwt.encode({"alg": alg, **({"kid": kid} if kid else {})}, claims, key)


def verify(token: str, metadata: Metadata, *, nonce: str = NONCE) -> dict:
    return upstream.verify_id_token(token, metadata=metadata, client_id=CLIENT_ID, nonce=nonce)


def refused(token: str, metadata: Metadata) -> UpstreamError:
    with pytest.raises(UpstreamError) as caught:
        verify(token, metadata)
    assert caught.value.problem is Problem.BAD_ID_TOKEN, caught.value.message
    return caught.value


def test_a_good_id_token_gives_its_claims(metadata, now) -> None:
    claims = verify(signed(claims_of(metadata.issuer, now)), metadata)
    assert (claims["sub"], claims["email"], claims["nonce"]) == ("nw-erin", "erin@northwind.test", NONCE)


ACCEPTED = [
    pytest.param({"aud": [CLIENT_ID, "other-app"], "azp": CLIENT_ID}, id="audiences-with-firmid-as-azp"),
    pytest.param({"aud": [CLIENT_ID]}, id="one-audience-in-a-list"),
    pytest.param({"azp": CLIENT_ID}, id="azp-of-firmid"),
    pytest.param({"sub": "s" * 255}, id="sub-of-255-characters"),
    pytest.param({"amr": ["pwd", "mfa"], "acr": "urn:any", "unknown_claim": {"x": 1}}, id="other-claims"),
]


@pytest.mark.parametrize("changes", ACCEPTED)
def test_id_token_within_the_rules_is_accepted(metadata, now, changes: dict) -> None:
    assert verify(signed(claims_of(metadata.issuer, now, **changes)), metadata)["sub"]


REFUSED = [
    pytest.param({"iss": "https://evil.example"}, id="wrong-iss"),
    pytest.param({"iss": "{issuer}/"}, id="iss-with-a-trailing-slash"),
    pytest.param({"iss": ["{issuer}"]}, id="iss-a-list"),
    pytest.param({"iss": None}, id="iss-missing"),
    pytest.param({"aud": "other-app"}, id="wrong-aud"),
    pytest.param({"aud": None}, id="aud-missing"),
    pytest.param({"aud": [CLIENT_ID, "other-app"]}, id="audiences-without-azp"),
    pytest.param({"aud": [CLIENT_ID, "other-app"], "azp": "other-app"}, id="audiences-with-another-azp"),
    pytest.param({"aud": ["other-app", "third-app"], "azp": CLIENT_ID}, id="audiences-without-firmid"),
    pytest.param({"exp": None}, id="exp-missing"),
    pytest.param({"exp": "tomorrow"}, id="exp-not-a-number"),
    pytest.param({"iat": None}, id="iat-missing"),
    pytest.param({"iat": "now"}, id="iat-not-a-number"),
    pytest.param({"nonce": None}, id="nonce-missing"),
    pytest.param({"nonce": "another-nonce"}, id="wrong-nonce"),
    pytest.param({"nonce": ""}, id="nonce-empty"),
    pytest.param({"sub": None}, id="sub-missing"),
    pytest.param({"sub": ""}, id="sub-empty"),
    pytest.param({"sub": "s" * 256}, id="sub-too-long"),
    pytest.param({"sub": 12345}, id="sub-not-a-string"),
]


@pytest.mark.parametrize("changes", REFUSED)
def test_id_token_breaking_a_rule_is_refused(metadata, now, changes: dict) -> None:
    changes = json.loads(json.dumps(changes).replace("{issuer}", metadata.issuer))
    refused(signed(claims_of(metadata.issuer, now, **changes)), metadata)


def test_id_token_nonce_list_holding_the_nonce_is_refused(metadata, now) -> None:
    # OIDC Core 2: nonce is a string; joserfc (check_value) accepts a list that holds the expected value.
    refused(signed(claims_of(metadata.issuer, now, nonce=[NONCE, "other"])), metadata)


def test_id_token_expired_is_refused_once_the_skew_has_passed(metadata, now, frozen_clock) -> None:
    token = signed(claims_of(metadata.issuer, now, exp=now + 30))
    frozen_clock.advance(30 + SKEW - 1)  # expired, but within the skew: the upstream's clock may be ahead
    assert verify(token, metadata)["sub"] == "nw-erin"
    frozen_clock.advance(1)
    refused(token, metadata)


def test_id_token_kept_too_long_is_refused_by_its_iat(metadata, now, frozen_clock) -> None:
    token = signed(claims_of(metadata.issuer, now, exp=now + 3600))
    frozen_clock.advance(MAX_AGE + SKEW)
    assert verify(token, metadata)["sub"] == "nw-erin"
    frozen_clock.advance(1)
    refused(token, metadata)


def test_id_token_from_the_future_is_refused_until_the_skew_allows_it(metadata, now, frozen_clock) -> None:
    token = signed(claims_of(metadata.issuer, now + SKEW + 10, exp=now + 3600))
    refused(token, metadata)
    frozen_clock.advance(10)
    assert verify(token, metadata)["sub"] == "nw-erin"


def _unsigned(claims: dict, header: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


@pytest.mark.parametrize("header", [{"alg": "none"}, {"alg": "none", "kid": "k1"}, {"alg": "None"}])
def test_id_token_with_alg_none_is_refused(metadata, now, header: dict) -> None:
    refused(_unsigned(claims_of(metadata.issuer, now), header), metadata)


@pytest.mark.parametrize("kid", [None, "k1"])
def test_id_token_hs256_signed_with_the_client_secret_is_refused(metadata, now, kid: str | None) -> None:
    parameters = {"kid": kid} if kid else {}
    secret_key = OctKey.import_key(CLIENT_SECRET, parameters=parameters)
    refused(signed(claims_of(metadata.issuer, now), key=secret_key, alg="HS256"), metadata)


def test_id_token_signed_by_an_unpublished_key_under_a_published_kid_is_refused(metadata, now) -> None:
    refused(signed(claims_of(metadata.issuer, now), key=ROGUE), metadata)


def test_id_token_with_its_claims_changed_after_signing_is_refused(metadata, now) -> None:
    header, _, signature = signed(claims_of(metadata.issuer, now)).split(".")
    forged = _unsigned(claims_of(metadata.issuer, now, sub="nw-admin"), {}).split(".")[1]
    refused(f"{header}.{forged}.{signature}", metadata)


@pytest.mark.parametrize("raw", ["", "not-a-jwt", "a.b.c", "a.b"])
def test_id_token_malformed_is_refused(metadata, raw: str) -> None:
    refused(raw, metadata)


def test_id_token_of_an_unknown_kid_fetches_the_keys_once_more_then_is_refused(provider, metadata, now) -> None:
    verify(signed(claims_of(metadata.issuer, now)), metadata)  # the keys are now kept
    refused(signed(claims_of(metadata.issuer, now), key=UNPUBLISHED), metadata)
    assert provider.hits[JWKS] == 2


def test_id_token_of_a_rotated_key_is_accepted_after_one_fetch(provider, metadata, now) -> None:
    verify(signed(claims_of(metadata.issuer, now)), metadata)
    provider.routes[JWKS] = published(K2, K1)  # the provider rotates: a new key first, the old one kept
    for _ in range(3):
        assert verify(signed(claims_of(metadata.issuer, now), key=K2), metadata)["sub"] == "nw-erin"
    assert verify(signed(claims_of(metadata.issuer, now)), metadata)["sub"] == "nw-erin"
    assert provider.hits[JWKS] == 2  # once at first, once for k2: then both are kept


def test_id_token_without_kid_is_accepted_from_a_single_key_set(provider, metadata, now) -> None:
    lone = RSAKey.generate_key(2048)
    provider.routes[JWKS] = published(lone)
    assert verify(signed(claims_of(metadata.issuer, now), key=lone), metadata)["sub"] == "nw-erin"


def test_id_token_without_kid_is_refused_when_several_keys_are_published(provider, metadata, now) -> None:
    provider.routes[JWKS] = published(K1, K2)
    refused(jwt.encode({"alg": "RS256"}, claims_of(metadata.issuer, now), K1), metadata)


@pytest.mark.parametrize(
    "answer", [(500, b"down"), (200, b"<html>"), {"keys": "none"}, {"keys": [{"kty": "RSA"}]}], ids=str
)
def test_key_set_broken_is_bad_jwks(provider, metadata, now, answer: object) -> None:
    provider.routes[JWKS] = answer
    with pytest.raises(UpstreamError) as caught:
        verify(signed(claims_of(metadata.issuer, now)), metadata)
    assert caught.value.problem is Problem.BAD_JWKS


# The discovery document: what firmid requires of it (OIDC Discovery 1.0 §4.3, PKCE S256, https).


def discovery_problem(provider: Provider, issuer: str | None = None) -> Problem:
    with pytest.raises(UpstreamError) as caught:
        upstream.discover(issuer or provider.url, fresh=True)
    assert caught.value.message
    return caught.value.problem


def test_discovery_of_a_compliant_provider_gives_its_metadata(provider) -> None:
    metadata = upstream.discover(provider.url)
    assert metadata.issuer == provider.url
    assert metadata.jwks_uri == f"{provider.url}{JWKS}"
    assert metadata.token_auth_methods == ("client_secret_basic", "client_secret_post")
    assert upstream.signing_keys(metadata).get_by_kid("k1")


def test_discovery_is_kept_until_asked_afresh(provider) -> None:
    upstream.discover(provider.url)
    upstream.discover(provider.url)
    assert provider.hits[DISCOVERY] == 1
    upstream.discover(provider.url, fresh=True)
    assert provider.hits[DISCOVERY] == 2


def test_discovery_checks_the_kept_document_too(provider) -> None:
    upstream.discover(provider.url)
    with pytest.raises(UpstreamError) as caught:
        upstream.discover(provider.url + "/")  # the kept document, asked for under another issuer name
    assert caught.value.problem is Problem.WRONG_ISSUER
    assert provider.hits[DISCOVERY] == 1


DISCOVERY_FAULTS = [
    pytest.param({"issuer": "https://login.evil.example"}, Problem.WRONG_ISSUER, id="wrong-issuer"),
    pytest.param({"issuer": "{issuer}/"}, Problem.WRONG_ISSUER, id="issuer-with-a-trailing-slash"),
    pytest.param({"issuer": None}, Problem.WRONG_ISSUER, id="no-issuer"),
    pytest.param({"code_challenge_methods_supported": ["plain"]}, Problem.NO_S256, id="pkce-plain-only"),
    pytest.param({"response_types_supported": ["id_token"]}, Problem.NO_CODE_FLOW, id="implicit-only"),
    pytest.param({"jwks_uri": None}, Problem.NO_JWKS, id="no-jwks-uri"),
    pytest.param({"jwks_uri": 42}, Problem.NO_JWKS, id="jwks-uri-not-a-string"),
    pytest.param({"token_endpoint": None}, Problem.NO_JWKS, id="no-token-endpoint"),
    pytest.param({"authorization_endpoint": None}, Problem.NOT_OIDC, id="no-authorization-endpoint"),
    pytest.param({"jwks_uri": "http://keys.example.com/jwks"}, Problem.INSECURE, id="jwks-over-http"),
    pytest.param({"token_endpoint": "http://idp.example.com/token"}, Problem.INSECURE, id="token-over-http"),
    pytest.param({"authorization_endpoint": "javascript:alert(1)"}, Problem.INSECURE, id="authorize-not-https"),
]


@pytest.mark.parametrize(("changes", "problem"), DISCOVERY_FAULTS)
def test_discovery_fault_says_what_is_wrong(provider, changes: dict, problem: Problem) -> None:
    changes = json.loads(json.dumps(changes).replace("{issuer}", provider.url))
    provider.routes[DISCOVERY] = discovery_document(provider.url, **changes)
    assert discovery_problem(provider) is problem


def test_a_provider_that_announces_no_pkce_methods_is_accepted_and_sent_s256(provider) -> None:
    # Entra ID's v2.0 discovery document lists no code_challenge_methods_supported.
    provider.routes[DISCOVERY] = discovery_document(provider.url, code_challenge_methods_supported=None)
    assert upstream.discover(provider.url, fresh=True).announces_pkce is False


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ((200, b"<html>sign in</html>"), Problem.NOT_OIDC),
        (["not", "an", "object"], Problem.NOT_OIDC),
        ((404, b"not found"), Problem.UNREACHABLE),
        ((500, b"oops"), Problem.UNREACHABLE),
        ((302, b""), Problem.UNREACHABLE),  # a redirect is not followed: it could lead anywhere
    ],
    ids=["html", "json-list", "404", "500", "redirect"],
)
def test_discovery_answer_not_a_configuration(provider, answer: object, problem: Problem) -> None:
    provider.routes[DISCOVERY] = answer
    assert discovery_problem(provider) is problem


def test_discovery_of_a_closed_port_is_unreachable(provider) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert discovery_problem(provider, f"http://127.0.0.1:{port}") is Problem.UNREACHABLE


def test_discovery_of_a_slow_provider_times_out(provider, settings) -> None:
    settings.FIRMID_SSO_TIMEOUT_SECONDS = 1
    provider.delay = 1.5
    started = time.monotonic()
    assert discovery_problem(provider) is Problem.TIMEOUT
    assert time.monotonic() - started < 1.45


def test_discovery_over_http_on_loopback_needs_the_setting(provider, settings) -> None:
    settings.FIRMID_SSO_ALLOW_HTTP_LOOPBACK = False
    assert discovery_problem(provider) is Problem.INSECURE
    assert provider.hits[DISCOVERY] == 0  # refused before any request
    settings.FIRMID_SSO_ALLOW_HTTP_LOOPBACK = True
    assert upstream.discover(provider.url, fresh=True).issuer == provider.url


URLS = [
    ("https://login.microsoftonline.com/tenant/v2.0", False, True),
    ("https://accounts.google.com", False, True),
    ("https://idp.example.test:8443/realms/firm", False, True),
    ("https://", True, False),
    ("http://idp.example.test", True, False),
    ("http://10.0.0.5", True, False),
    ("http://127.0.0.1:8002", False, False),
    ("http://127.0.0.1:8002", True, True),
    ("http://127.8.9.10", True, True),
    ("http://localhost:8002", True, True),
    ("http://[::1]:8002", True, True),
    ("http://127.0.0.1.nip.io", True, False),
    ("http://localhost.example.test", True, False),
    ("ftp://idp.example.test", True, False),
    ("file:///etc/passwd", True, False),
    ("idp.example.test", True, False),
    ("", True, False),
]


@pytest.mark.parametrize(("url", "allow_loopback", "accepted"), URLS)
def test_check_url(settings, url: str, allow_loopback: bool, accepted: bool) -> None:
    settings.FIRMID_SSO_ALLOW_HTTP_LOOPBACK = allow_loopback
    if accepted:
        upstream.check_url(url, what="issuer")
        return
    with pytest.raises(UpstreamError) as caught:
        upstream.check_url(url, what="issuer")
    assert caught.value.problem is Problem.INSECURE
