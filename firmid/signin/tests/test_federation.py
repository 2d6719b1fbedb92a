"""Sign-in through a firm's own identity provider, against a real one (oidc-provider on loopback).

Issue 9: identifier-first routing, the round trip, linking and creation, the MFA done upstream
carried into firmid's ID tokens, MFA required at the provider, and step-up there.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from firmid.accounts.models import Role, User
from firmid.audit.models import AuditEvent
from firmid.policy import UserType
from firmid.sso.models import SsoIdentity
from firmid.testing import oidc
from firmid.testing.federation import (
    at_upstream,
    back_at_firmid,
    connect_northwind,
    identify,
    northwind,
    password_step,
    signed_in,
    sso_sign_in,
    to_upstream,
)
from firmid.testing.upstream import ACR_MFA, ERIN_TOTP_SECRET

pytestmark = pytest.mark.django_db
ERIN, GINA, IVY = "erin@northwind.test", "gina@northwind.test", "ivy@northwind.test"


def test_erin_signs_in_through_her_firms_provider_and_is_linked_once(client, erin, connection) -> None:
    response = sso_sign_in(client, ERIN, totp_secret=ERIN_TOTP_SECRET)
    assert response.status_code == 302, response.content[:400]
    assert signed_in(client)
    identity = SsoIdentity.objects.get(user=erin)
    assert (identity.issuer, identity.subject) == (connection.issuer, "nw-erin")
    assert AuditEvent.objects.filter(action="sso_linked", subject_email=ERIN).count() == 1
    client.logout()
    assert sso_sign_in(client, ERIN, totp_secret=ERIN_TOTP_SECRET).status_code == 302
    assert signed_in(client)
    assert SsoIdentity.objects.filter(user=erin).count() == 1
    assert AuditEvent.objects.filter(action="sso_sign_in", subject_email=ERIN, outcome="success").count() == 2


def test_no_firmid_password_is_asked_of_a_served_domain(client, connection) -> None:
    response = identify(client, "anyone@northwind.test")
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == f"/signin/sso/{connection.public_id}/start/"


def test_an_account_of_a_type_under_sso_goes_to_its_provider_whatever_its_domain(client, connection, make_user) -> None:
    make_user(role=Role.PRACTITIONER, firm=connection.firm, email="erin.walsh@gmail.test")
    response = identify(client, "erin.walsh@gmail.test")
    assert urlparse(response["Location"]).path == f"/signin/sso/{connection.public_id}/start/"


def test_an_unknown_address_is_answered_like_a_password_user(client, connection, alice) -> None:
    unknown, known = identify(client, "nobody@elsewhere.test"), identify(client, alice.email)
    assert password_step(unknown) and password_step(known)
    shape = re.compile(r'value="[^"]*"')  # the pages differ only in the values: the address, the CSRF token
    assert shape.sub("", unknown.content.decode()) == shape.sub("", known.content.decode())


def test_the_password_page_follows_with_the_address_filled_in(client, alice) -> None:
    page = identify(client, alice.email, next_url="/my-account/").content.decode()
    assert 'name="password"' in page and f'value="{alice.email}"' in page and 'value="/my-account/"' in page


def test_a_disabled_connection_routes_nobody(client, upstream_idp) -> None:
    connect_northwind(upstream_idp.issuer, enabled=False)
    assert password_step(identify(client, ERIN))


def test_back_to_the_application_through_firmids_authorization_endpoint_with_fed_in_amr(
    client, erin, registration
) -> None:
    request = oidc.auth_request(registration, scope="openid email")
    assert oidc.goes_to_login(client.get(request.url))
    response = sso_sign_in(client, ERIN, next_url=request.url, totp_secret=ERIN_TOTP_SECRET)
    assert response.status_code == 302 and response["Location"] == request.url
    code = oidc.code_of(client.get(request.url), request)
    body = oidc.tokens_ok(oidc.exchange(registration, code, request.verifier))
    claims = oidc.verify_id_token(body["id_token"], registration=registration, nonce=request.nonce).claims
    assert claims["amr"][0] == "fed" and {"otp", "mfa"} <= set(claims["amr"]) and "pwd" in claims["amr"]
    assert claims["acr"] == "urn:firmid:acr:mfa"
    assert claims["sub"] == str(erin.public_id)


def test_without_mfa_upstream_the_acr_is_not_firmids_mfa(client, connection, registration, make_user) -> None:
    make_user(role=Role.PRACTITIONER, firm=connection.firm, email=GINA)
    request = oidc.auth_request(registration)
    client.get(request.url)
    assert sso_sign_in(client, GINA, next_url=request.url).status_code == 302
    body = oidc.tokens_ok(oidc.exchange(registration, oidc.code_of(client.get(request.url), request), request.verifier))
    claims = oidc.verify_id_token(body["id_token"], registration=registration, nonce=request.nonce).claims
    assert claims["amr"] == ["fed", "pwd"] and claims["acr"] == "urn:firmid:acr:pwd"


def _federated_without_mfa(client, make_user, connection, email: str, session: requests.Session) -> None:
    make_user(role=Role.PRACTITIONER, firm=connection.firm, email=email)
    assert sso_sign_in(client, email, session=session).status_code == 302
    assert signed_in(client)


def test_acr_values_mfa_sends_a_federated_user_to_their_provider_for_mfa(
    client, make_user, connection, registration
) -> None:
    upstream_browser = requests.Session()
    _federated_without_mfa(client, make_user, connection, IVY, upstream_browser)
    request = oidc.auth_request(registration, acr_values="urn:firmid:acr:mfa")
    step_up = client.get(request.url)
    assert step_up.status_code == 302 and "step_up=1" in step_up["Location"], step_up
    authorize_url = to_upstream(client, step_up)
    asked = parse_qs(urlparse(authorize_url).query)
    assert asked["acr_values"] == [ACR_MFA] and asked["prompt"] == ["login"] and asked["max_age"] == ["0"]
    back = back_at_firmid(
        client, at_upstream(authorize_url, IVY, totp_secret=ERIN_TOTP_SECRET, session=upstream_browser)
    )
    assert back.status_code == 302 and back["Location"] == request.url
    code = oidc.code_of(client.get(request.url), request)
    body = oidc.tokens_ok(oidc.exchange(registration, code, request.verifier))
    claims = oidc.verify_id_token(body["id_token"], registration=registration, nonce=request.nonce).claims
    assert claims["acr"] == "urn:firmid:acr:mfa" and "fed" in claims["amr"] and "mfa" in claims["amr"]


def test_a_step_up_the_provider_cannot_give_is_refused_clearly(client, make_user, connection, registration) -> None:
    upstream_browser = requests.Session()
    _federated_without_mfa(client, make_user, connection, GINA, upstream_browser)  # no TOTP at Northwind
    request = oidc.auth_request(registration, acr_values="urn:firmid:acr:mfa")
    authorize_url = to_upstream(client, client.get(request.url))
    refused = back_at_firmid(client, at_upstream(authorize_url, GINA, session=upstream_browser))
    assert refused.status_code == 403
    assert "did not confirm one" in refused.content.decode() and "Northwind Partners" in refused.content.decode()
    assert oidc.goes_to_login(client.get(request.url)) is False  # still signed in, still without MFA
    assert client.get(request.url)["Location"].startswith(f"/signin/sso/{connection.public_id}/start/")


def test_a_user_created_at_first_sign_in_is_a_practitioner_of_the_firm(client, upstream_idp) -> None:
    connection = connect_northwind(upstream_idp.issuer, create_users=True)
    assert sso_sign_in(client, GINA).status_code == 302 and signed_in(client)
    gina = User.objects.get(email=GINA)
    assert (gina.firm, gina.role, gina.has_usable_password()) == (connection.firm, Role.PRACTITIONER, False)
    assert gina.user_type is UserType.PRACTITIONERS
    assert AuditEvent.objects.filter(action="sso_user_created", subject_email=GINA).exists()


def test_a_firm_can_require_mfa_at_its_provider(client, make_user, upstream_idp) -> None:
    connection = connect_northwind(upstream_idp.issuer, require_upstream_mfa=True)
    make_user(role=Role.PRACTITIONER, firm=connection.firm, email=ERIN)
    make_user(role=Role.PRACTITIONER, firm=connection.firm, email=GINA)
    assert sso_sign_in(client, ERIN, totp_secret=ERIN_TOTP_SECRET).status_code == 302 and signed_in(client)
    client.logout()
    refused = sso_sign_in(client, GINA)
    assert refused.status_code == 403 and not signed_in(client)
    assert "requires a second factor at its identity provider" in refused.content.decode()
    assert not SsoIdentity.objects.filter(user__email=GINA).exists()
    assert northwind() == connection.firm


def test_prompt_login_makes_the_provider_authenticate_again_too(client, erin, registration) -> None:
    upstream_browser = requests.Session()
    assert sso_sign_in(client, ERIN, totp_secret=ERIN_TOTP_SECRET, session=upstream_browser).status_code == 302
    request = oidc.auth_request(registration, prompt="login")
    again = client.get(request.url)
    assert oidc.goes_to_login(again)
    next_url = parse_qs(urlparse(again["Location"]).query)["next"][0]
    authorize_url = to_upstream(client, identify(client, ERIN, next_url=next_url))
    asked = parse_qs(urlparse(authorize_url).query)
    assert asked["prompt"] == ["login"] and asked["max_age"] == ["0"]


def test_an_application_asking_mfa_has_the_provider_asked_for_it_at_the_first_trip(
    client, connection, registration, make_user
) -> None:
    make_user(role=Role.PRACTITIONER, firm=connection.firm, email=IVY)
    request = oidc.auth_request(registration, acr_values="urn:firmid:acr:mfa")
    next_url = parse_qs(urlparse(client.get(request.url)["Location"]).query)["next"][0]
    authorize_url = to_upstream(client, identify(client, IVY, next_url=next_url))
    assert parse_qs(urlparse(authorize_url).query)["acr_values"] == [ACR_MFA]
    back = back_at_firmid(client, at_upstream(authorize_url, IVY, totp_secret=ERIN_TOTP_SECRET))  # one trip
    assert back.status_code == 302 and back["Location"] == request.url
    assert oidc.code_of(client.get(request.url), request)


def test_a_support_agent_is_never_sent_to_a_firms_provider(client, upstream_idp, make_agent) -> None:
    agent = make_agent(2, email="agent@northwind.test")  # a domain a firm claims
    connect_northwind(upstream_idp.issuer)
    assert password_step(identify(client, agent.email))


def test_an_address_that_is_not_one_is_asked_again(client) -> None:
    response = identify(client, "not-an-address")
    assert response.status_code == 400 and "Enter a valid email address" in response.content.decode()
    assert 'name="password"' not in response.content.decode()
