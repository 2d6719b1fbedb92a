"""The authorization code flow through the Django test client, with the policy at the door."""

from __future__ import annotations

import base64
import json
from datetime import UTC
from urllib.parse import parse_qs, urlencode, urlparse

from django.test import Client
from jwcrypto import jwk, jwt

from firmid.core.seams.allauth import TOTP
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import SECRET, code_now
from firmid.testing.factories import set_level
from firmid.testing.oidc import REDIRECT
from firmid.testing.signin import ENROL, MFA, past_recovery_codes, shown_key, sign_in

AUTHORIZE = "/oauth/authorize/"
TOKEN = "/oauth/token/"


def authorize_params(registration, challenge: str, **extra: str) -> dict:
    return {
        "response_type": "code",
        "client_id": registration.application.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile email",
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def code_from(response) -> str:
    assert response.status_code == 302, response
    location = urlparse(response.url)
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT, response.url
    query = parse_qs(location.query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


def exchange(registration, code: str, verifier: str):
    basic = base64.b64encode(f"{registration.application.client_id}:{registration.client_secret}".encode()).decode()
    return Client().post(
        TOKEN,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )


def id_token_claims(client: Client, token: str) -> dict:
    keys = jwk.JWKSet.from_json(client.get("/.well-known/jwks.json").content)
    return json.loads(jwt.JWT(jwt=token, key=keys).claims)


def test_upon_request_user_gets_a_code_and_an_id_token_with_pwd(client, alice, password, registration, pkce) -> None:
    verifier, challenge = pkce
    url = f"{AUTHORIZE}?{urlencode(authorize_params(registration, challenge))}"
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    sign_in(client, alice.email, password)
    code = code_from(client.get(url))
    tokens = exchange(registration, code, verifier).json()
    claims = id_token_claims(client, tokens["id_token"])
    assert claims["sub"] == str(alice.public_id)
    assert claims["amr"] == ["pwd"] and claims["acr"] == "urn:firmid:acr:pwd"
    assert claims["nonce"] == "n-1" and claims["firm"]["name"] == alice.firm.name
    assert claims["user_type"] == "practitioners" and claims["email"] == alice.email


def test_mandatory_user_gets_no_code_until_enrolled_then_amr_has_otp(
    client, alice, password, registration, pkce
) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    verifier, challenge = pkce
    url = f"{AUTHORIZE}?{urlencode(authorize_params(registration, challenge))}"
    client.get(url)
    response = sign_in(client, alice.email, password, url)
    assert response.url == ENROL
    assert client.get(url).url.startswith("/accounts/login/")  # no code while enrolment is pending
    secret = shown_key(client.get(ENROL))
    response = past_recovery_codes(client, client.post(ENROL, {"code": code_now(secret)}))
    assert response.url == url
    tokens = exchange(registration, code_from(client.get(url)), verifier).json()
    claims = id_token_claims(client, tokens["id_token"])
    assert "otp" in claims["amr"] and claims["acr"] == "urn:firmid:acr:mfa"


def test_code_reuse_is_refused_and_revokes_the_first_tokens(client, alice, password, registration, pkce) -> None:
    verifier, challenge = pkce
    sign_in(client, alice.email, password)
    code = code_from(client.get(f"{AUTHORIZE}?{urlencode(authorize_params(registration, challenge))}"))
    first = exchange(registration, code, verifier).json()
    second = exchange(registration, code, verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    userinfo = Client().get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {first['access_token']}")
    assert userinfo.status_code == 401
    refresh = Client().post(
        TOKEN,
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": registration.application.client_id,
            "client_secret": registration.client_secret,
        },
    )
    assert refresh.status_code == 400


def test_verified_user_is_asked_for_the_code_before_the_application(
    client, alice, password, registration, pkce
) -> None:
    TOTP.activate(alice, SECRET)
    _, challenge = pkce
    url = f"{AUTHORIZE}?{urlencode(authorize_params(registration, challenge))}"
    response = sign_in(client, alice.email, password, url)
    assert response.url == MFA
    assert client.post(MFA, {"code": code_now(SECRET)}).url == url
    assert code_from(client.get(url))


def test_login_hint_prefills_the_sign_in_email(client, alice, registration, pkce) -> None:
    _, challenge = pkce
    url = f"{AUTHORIZE}?{urlencode(authorize_params(registration, challenge, login_hint=alice.email))}"
    login_page = client.get(client.get(url).url)
    assert f'value="{alice.email}"' in login_page.content.decode()


def test_malformed_login_hint_is_ignored(client, alice, registration, pkce) -> None:
    _, challenge = pkce
    url = f"{AUTHORIZE}?{urlencode(authorize_params(registration, challenge, login_hint='<script>'))}"
    login_page = client.get(client.get(url).url).content.decode()
    assert "<script>" not in login_page


def test_application_requiring_mfa_takes_a_user_without_factor_through_step_up_enrolment(
    client, alice, password, registration, pkce
) -> None:
    verifier, challenge = pkce
    url = f"{AUTHORIZE}?{urlencode(authorize_params(registration, challenge, acr_values='urn:firmid:acr:mfa'))}"
    sign_in(client, alice.email, password)
    step_up = client.get(url)
    assert step_up.status_code == 302 and step_up.url.startswith("/accounts/security/step-up/")
    page = client.get(step_up.url)
    assert "requires MFA" in page.content.decode()
    response = client.post(step_up.url, {"code": code_now(shown_key(page))})
    assert response.status_code == 302 and response.url == url
    claims = id_token_claims(client, exchange(registration, code_from(client.get(url)), verifier).json()["id_token"])
    assert claims["acr"] == "urn:firmid:acr:mfa" and "otp" in claims["amr"]


def test_prompt_none_for_a_user_who_now_must_enrol_gets_login_required(
    client, alice, password, registration, pkce
) -> None:
    _, challenge = pkce
    sign_in(client, alice.email, password)
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    response = client.get(f"{AUTHORIZE}?{urlencode(authorize_params(registration, challenge, prompt='none'))}")
    assert response.status_code == 302 and response.url.startswith(REDIRECT)
    assert parse_qs(urlparse(response.url).query)["error"] == ["login_required"]


def test_scopes_beyond_the_applications_are_refused(client, alice, password, pkce) -> None:
    from firmid.oidc.services import application_register

    narrow = application_register(
        actor=None,
        name="Narrow",
        home_url="http://127.0.0.1:9999/",
        redirect_uris=[REDIRECT],
        allowed_scopes=["openid"],
    )
    _, challenge = pkce
    sign_in(client, alice.email, password)
    response = client.get(f"{AUTHORIZE}?{urlencode(authorize_params(narrow, challenge))}")
    assert parse_qs(urlparse(response.url).query)["error"] == ["invalid_scope"]


def test_a_client_cannot_introspect_another_clients_token(client, alice, password, registration, pkce) -> None:
    from firmid.oidc.services import application_register

    other = application_register(actor=None, name="Other", home_url="http://127.0.0.1:9999/", redirect_uris=[REDIRECT])
    verifier, challenge = pkce
    sign_in(client, alice.email, password)
    tokens = exchange(
        registration,
        code_from(client.get(f"{AUTHORIZE}?{urlencode(authorize_params(registration, challenge))}")),
        verifier,
    ).json()

    def introspect(reg) -> dict:
        basic = base64.b64encode(f"{reg.application.client_id}:{reg.client_secret}".encode()).decode()
        return (
            Client()
            .post("/oauth/introspect/", {"token": tokens["access_token"]}, HTTP_AUTHORIZATION=f"Basic {basic}")
            .json()
        )

    assert introspect(registration)["active"] is True
    assert introspect(other) == {"active": False}


def test_id_token_lives_exactly_its_lifetime_across_a_second_boundary(
    client,
    alice,
    password,
    registration,
    pkce,
    monkeypatch,
) -> None:
    """oauthlib stamps iat a moment before DOT stamps exp: at x.999 s and x+1.001 s they
    used to be 601 s apart, a token living longer than configured (a flaky client check)."""
    import time as time_module
    from datetime import datetime

    from django.conf import settings
    from oauth2_provider import oauth2_validators

    verifier, challenge = pkce
    url = f"{AUTHORIZE}?{urlencode(authorize_params(registration, challenge))}"
    client.get(url)
    sign_in(client, alice.email, password)
    code = code_from(client.get(url))
    now = time_module.time()
    second = int(now) + 0.999
    monkeypatch.setattr("oauthlib.openid.connect.core.grant_types.base.time.time", lambda: second)
    later = datetime.fromtimestamp(int(now) + 1.001, tz=UTC)
    monkeypatch.setattr(oauth2_validators.timezone, "now", lambda: later)
    claims = id_token_claims(client, exchange(registration, code, verifier).json()["id_token"])
    assert claims["exp"] - claims["iat"] == settings.OAUTH2_PROVIDER["ID_TOKEN_EXPIRE_SECONDS"]
