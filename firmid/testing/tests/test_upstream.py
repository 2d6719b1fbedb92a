"""Northwind's provider (demo_idp, oidc-provider) behaves as the SSO tests rely on.

Each test plays firmid's part of the code flow by hand (firmid.testing.upstream_client).
"""

from __future__ import annotations

import base64
import secrets
import time

import pytest
import requests

from firmid.testing.forms import post_forms
from firmid.testing.upstream import (
    ACR_MFA,
    ACR_PASSWORD,
    CLIENT_ID,
    CLIENT_SECRET,
    ERIN_TOTP_SECRET,
    PASSWORD,
    UpstreamStopped,
    rsa_jwk,
    totp_now,
    upstream_sign_in,
)
from firmid.testing.upstream_client import CALLBACK, Flow, first_page, header

ERIN, GINA, HAL, IVY = (f"{name}@northwind.test" for name in ("erin", "gina", "hal", "ivy"))


def test_discovery_announces_s256_the_acr_values_and_the_code_flow(upstream_idp) -> None:
    document = upstream_idp.discovery()

    assert document["issuer"] == upstream_idp.issuer
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["acr_values_supported"] == [ACR_PASSWORD, ACR_MFA]
    assert document["response_types_supported"] == ["code"]
    assert {"client_secret_basic", "client_secret_post"} <= set(document["token_endpoint_auth_methods_supported"])
    assert requests.get(f"{upstream_idp.url}/health", timeout=5).text == "ok"


def test_code_flow_with_pkce_and_nonce_gives_a_signed_id_token_with_the_claims(upstream_idp) -> None:
    flow = Flow(upstream_idp.issuer)

    claims = flow.claims(GINA)

    assert claims["iss"] == upstream_idp.issuer
    assert claims["aud"] == CLIENT_ID
    assert claims["nonce"] == flow.nonce
    assert (claims["sub"], claims["email"], claims["email_verified"]) == ("nw-gina", GINA, True)
    assert (claims["name"], claims["given_name"], claims["family_name"]) == ("Gina Park", "Gina", "Park")
    assert (claims["amr"], claims["acr"]) == (["pwd"], ACR_PASSWORD)


def test_the_callback_carries_the_issuer_rfc_9207(upstream_idp) -> None:
    assert Flow(upstream_idp.issuer).sign_in(GINA)["iss"] == upstream_idp.issuer


def test_the_code_needs_the_pkce_verifier(upstream_idp) -> None:
    flow = Flow(upstream_idp.issuer)
    code = flow.sign_in(GINA)["code"]
    flow.verifier = secrets.token_urlsafe(48)

    assert flow.exchange(code).json()["error"] == "invalid_grant"


def test_a_request_without_pkce_is_refused(upstream_idp) -> None:
    flow = Flow(upstream_idp.issuer, code_challenge="", code_challenge_method="")

    callback = flow.sign_in(GINA)

    assert callback["error"] == "invalid_request" and "PKCE" in callback["error_description"]
    assert "code" not in callback


def test_client_secret_post_is_accepted_too(upstream_idp) -> None:
    flow = Flow(upstream_idp.issuer)
    code = flow.sign_in(GINA)["code"]

    answer = requests.post(
        flow.discovery["token_endpoint"],
        data={
            **{"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
            **{"code_verifier": flow.verifier, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        },
        timeout=30,
    )
    assert answer.status_code == 200, answer.text


def test_erin_is_asked_her_totp_and_the_token_says_mfa(upstream_idp) -> None:
    with pytest.raises(UpstreamStopped, match="asks a TOTP code"):
        Flow(upstream_idp.issuer).sign_in(ERIN)

    claims = Flow(upstream_idp.issuer).claims(ERIN, totp_secret=ERIN_TOTP_SECRET)

    assert (claims["amr"], claims["acr"]) == (["pwd", "otp", "mfa"], ACR_MFA)


def test_a_wrong_totp_code_shows_the_page_again(upstream_idp) -> None:
    with pytest.raises(UpstreamStopped, match="refused the totp form") as refused:
        upstream_sign_in(
            Flow(upstream_idp.issuer).authorize_url,
            email=ERIN,
            password=PASSWORD,
            totp_secret="JBSWY3DPEHPK3PXP",  # not erin's
            stop_at=CALLBACK,
        )

    assert refused.value.response.status_code == 200
    assert "Wrong code" in refused.value.response.text


def test_acr_values_mfa_asks_the_totp_of_a_user_who_has_one(upstream_idp) -> None:
    assert Flow(upstream_idp.issuer).claims(IVY)["amr"] == ["pwd"]

    claims = Flow(upstream_idp.issuer, acr_values=ACR_MFA).claims(IVY, totp_secret=ERIN_TOTP_SECRET)

    assert (claims["amr"], claims["acr"]) == (["pwd", "otp", "mfa"], ACR_MFA)


def test_acr_values_mfa_for_a_user_without_totp_ends_with_the_password_acr(upstream_idp) -> None:
    claims = Flow(upstream_idp.issuer, acr_values=ACR_MFA).claims(GINA)

    assert (claims["amr"], claims["acr"]) == (["pwd"], ACR_PASSWORD)


def test_acr_values_mfa_steps_a_password_session_up(upstream_idp) -> None:
    session = requests.Session()
    Flow(upstream_idp.issuer).sign_in(IVY, session=session)

    page = first_page(session, Flow(upstream_idp.issuer, acr_values=ACR_MFA).authorize_url)

    assert not isinstance(page, str) and 'name="password"' in page.text


def test_a_wrong_password_shows_the_error(upstream_idp) -> None:
    with pytest.raises(UpstreamStopped, match="refused the login form") as refused:
        upstream_sign_in(Flow(upstream_idp.issuer).authorize_url, email=GINA, password="wrong", stop_at=CALLBACK)

    assert refused.value.response.status_code == 200
    assert "Wrong email or password" in refused.value.response.text


def test_cancel_returns_access_denied_to_the_client(upstream_idp) -> None:
    flow = Flow(upstream_idp.issuer)
    session = requests.Session()
    page = first_page(session, flow.authorize_url)
    cancel = next(form for form in post_forms(page) if form["url"].endswith("/abort"))

    callback = first_page(session, session.post(cancel["url"], allow_redirects=False, timeout=30).headers["Location"])

    assert "error=access_denied" in callback and f"state={flow.state}" in callback


def test_email_verified_false_is_carried(upstream_idp) -> None:
    assert Flow(upstream_idp.issuer).claims(HAL)["email_verified"] is False


def test_prompt_login_asks_again_while_the_upstream_session_lasts(upstream_idp) -> None:
    session = requests.Session()
    Flow(upstream_idp.issuer).sign_in(GINA, session=session)

    silent = first_page(session, Flow(upstream_idp.issuer).authorize_url)
    forced = first_page(session, Flow(upstream_idp.issuer, prompt="login").authorize_url)

    assert isinstance(silent, str) and silent.startswith(CALLBACK)
    assert not isinstance(forced, str) and 'name="password"' in forced.text


def test_max_age_zero_asks_again(upstream_idp) -> None:
    session = requests.Session()
    Flow(upstream_idp.issuer).sign_in(GINA, session=session)
    time.sleep(1.1)  # max_age counts whole seconds since the sign-in

    page = first_page(session, Flow(upstream_idp.issuer, max_age="0").authorize_url)

    assert not isinstance(page, str) and 'name="password"' in page.text


def test_login_hint_fills_the_email(upstream_idp) -> None:
    page = first_page(requests.Session(), Flow(upstream_idp.issuer, login_hint=GINA).authorize_url)

    assert f'value="{GINA}"' in page.text


def test_restart_with_new_keys_publishes_both_and_signs_with_the_first(make_upstream_idp) -> None:
    old = rsa_jwk("northwind-old")
    idp = make_upstream_idp(keys=[old])
    port = idp.port

    idp.restart(keys=[rsa_jwk("northwind-new"), old])

    assert idp.port == port
    assert [key["kid"] for key in idp.jwks()["keys"]] == ["northwind-new", "northwind-old"]
    assert all("d" not in key for key in idp.jwks()["keys"])
    assert header(Flow(idp.issuer).id_token(GINA))["kid"] == "northwind-new"
    assert "GET /health 200" in idp.log_text()


def test_extra_redirect_uris_are_registered(make_upstream_idp) -> None:
    idp = make_upstream_idp(redirect_uris=["http://127.0.0.1:9999/signin/sso/callback/"])

    assert idp.config["clients"][0]["redirect_uris"][-1] == "http://127.0.0.1:9999/signin/sso/callback/"


@pytest.mark.parametrize("at", [59, 1111111109, 1234567890, 2000000000])
def test_totp_now_follows_rfc_6238(at) -> None:
    # RFC 6238 appendix B's SHA-1 secret ("12345678901234567890"), last six digits.
    expected = {59: "287082", 1111111109: "081804", 1234567890: "005924", 2000000000: "279037"}
    secret = base64.b32encode(b"12345678901234567890").decode()

    assert totp_now(secret, at=at) == expected[at]
