"""Attacks on the sign-in through a firm's identity provider, against a real one (oidc-provider on loopback).

Issue 9's "what must be shown": the callback's state (wrong, missing, replayed, another
browser's, expired), cross-firm attempts through every path, the linking rules, MFA required at
the provider, the password path closed, enabling SSO ending sessions and tokens, and a step-up
completed by another person. Each refusal is a page, an audit row with its reason, and nothing
created or changed. The misbehaving provider (bad tokens, down, slow) is test_federation_faults.py.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlparse

import pytest
from django.test import Client

from firmid.accounts.models import Role, User
from firmid.audit.models import AuditEvent
from firmid.policy import UserType
from firmid.sso.models import SsoIdentity
from firmid.sso.services import sso_connection_disable, sso_connection_enable
from firmid.tenancy.services import firm_create
from firmid.testing import oidc
from firmid.testing.federation import (
    CALLBACK,
    at_upstream,
    back_at_firmid,
    connect_northwind,
    continue_url,
    identify,
    password_step,
    signed_in,
    sso_sign_in,
    to_upstream,
)
from firmid.testing.signin import HOME, LOGIN, sign_in
from firmid.testing.upstream import ERIN_TOTP_SECRET, NORTHWIND_USERS, northwind_user

pytestmark = pytest.mark.django_db
ERIN, GINA, HAL, IVY = "erin@northwind.test", "gina@northwind.test", "hal@northwind.test", "ivy@northwind.test"
NORTHWIND, BETA = "Northwind Partners", "Beta Partners"


def _counts() -> tuple[int, int]:
    return User.objects.count(), SsoIdentity.objects.count()


def assert_refused(
    response, client: Client, *, reason: str, before: tuple[int, int], firm: str | None = NORTHWIND, status: int = 403
) -> None:
    """A page (naming the firm, with a retry when it is known), nobody signed in, nothing written, the reason audited."""
    page = response.content.decode()
    assert response.status_code == status, (response.status_code, page[:500])
    assert (firm or "Sign-in not completed") in page and ("Try again" in page) is (firm is not None)
    assert "_auth_user_id" not in client.session and not signed_in(client)
    assert _counts() == before
    event = AuditEvent.objects.filter(action="sso_sign_in").order_by("-pk").first()
    assert (event.outcome, event.detail) == ("refused" if status < 500 else "failure", reason)


def _start(client: Client, email: str) -> str:
    """From the sign-in page to the provider: its authorization URL."""
    return to_upstream(client, identify(client, email))


def _with_state(callback_url: str, state: str | None) -> str:
    parts = urlparse(callback_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "state"] + ([("state", state)] if state else [])
    return parts._replace(query=urlencode(query)).geturl()


# --- 1. state -----------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["forged-state-of-the-attacker", None], ids=["wrong", "missing"])
def test_a_callback_with_a_wrong_or_missing_state_is_refused(client, erin, state) -> None:
    callback_url = at_upstream(_start(client, ERIN), ERIN, totp_secret=ERIN_TOTP_SECRET)
    before = _counts()
    response = back_at_firmid(client, _with_state(callback_url, state))
    assert_refused(response, client, reason="state", before=before, firm=None, status=400)


def test_a_replayed_callback_is_refused_and_opens_no_second_session(client, erin) -> None:
    callback_url = at_upstream(_start(client, ERIN), ERIN, totp_secret=ERIN_TOTP_SECRET)
    assert back_at_firmid(client, callback_url).status_code == 302 and signed_in(client)
    session_key, before = client.session.session_key, _counts()
    replay = back_at_firmid(client, callback_url)
    assert replay.status_code == 400 and "already used" in replay.content.decode()
    assert client.session.session_key == session_key and _counts() == before
    assert AuditEvent.objects.filter(action="sso_sign_in", outcome="success").count() == 1
    assert AuditEvent.objects.filter(action="sso_sign_in", outcome="refused", detail="state").count() == 1


def test_a_callback_carried_to_another_browser_is_refused_there(client, erin) -> None:
    callback_url = at_upstream(_start(client, ERIN), ERIN, totp_secret=ERIN_TOTP_SECRET)
    attacker, before = Client(), _counts()
    assert_refused(
        back_at_firmid(attacker, callback_url), attacker, reason="state", before=before, firm=None, status=400
    )
    assert back_at_firmid(client, callback_url).status_code == 302 and signed_in(client)  # the owner's is intact


def test_a_callback_after_the_flow_expired_is_refused(client, erin, frozen_clock, settings) -> None:
    authorize_url = _start(client, ERIN)
    frozen_clock.advance(settings.FIRMID_SSO_FLOW_SECONDS + 1)
    callback_url, before = at_upstream(authorize_url, ERIN, totp_secret=ERIN_TOTP_SECRET), _counts()
    assert_refused(back_at_firmid(client, callback_url), client, reason="state", before=before, firm=None, status=400)


def test_an_answer_naming_another_issuer_is_refused_as_a_mix_up(client, erin) -> None:
    callback_url = at_upstream(_start(client, ERIN), ERIN, totp_secret=ERIN_TOTP_SECRET)
    forged = callback_url.replace("iss=", "iss=http%3A%2F%2F127.0.0.1%3A1%2F&was=")  # RFC 9207
    before = _counts()
    assert_refused(back_at_firmid(client, forged), client, reason="iss_mismatch", before=before, status=400)


def test_a_connection_disabled_during_the_round_trip_signs_nobody_in(client, erin, connection) -> None:
    callback_url = at_upstream(_start(client, ERIN), ERIN, totp_secret=ERIN_TOTP_SECRET)
    sso_connection_disable(connection=connection, actor=None)
    before = _counts()
    response = back_at_firmid(client, callback_url)
    assert response.status_code == 403 and "Try again" not in response.content.decode() and not signed_in(client)
    assert "no longer signs you in through its identity provider" in response.content.decode()
    assert AuditEvent.objects.filter(action="sso_sign_in", detail="connection_disabled").exists()
    assert _counts() == before


@pytest.mark.parametrize("next_url", ["https://evil.example/steal", "//evil.example/steal"])
def test_the_way_back_never_leaves_firmid(client, erin, next_url) -> None:
    response = sso_sign_in(client, ERIN, next_url=next_url, totp_secret=ERIN_TOTP_SECRET)
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_a_stolen_code_injected_into_the_attackers_own_round_trip_is_refused(client, erin) -> None:
    stolen = dict(parse_qsl(urlparse(at_upstream(_start(client, ERIN), ERIN, totp_secret=ERIN_TOTP_SECRET)).query))
    attacker = Client()
    own_state = dict(parse_qsl(urlparse(_start(attacker, ERIN)).query))["state"]
    injected = f"{CALLBACK}?{urlencode({**stolen, 'state': own_state})}"
    before = _counts()
    # PKCE: the code was bound to the victim's verifier, not the attacker's (RFC 9700 4.5).
    assert_refused(back_at_firmid(attacker, injected), attacker, reason="token_error", before=before, status=502)


# --- 5. cross-firm ------------------------------------------------------------------------


@pytest.fixture
def two_firms(upstream_idp):
    """Northwind (northwind.test, creating users) and Beta (beta.test), both at the same provider."""
    northwind = connect_northwind(upstream_idp.issuer, create_users=True)
    beta = connect_northwind(upstream_idp.issuer, firm=firm_create(name=BETA), email_domains=["beta.test"])
    return northwind, beta


def test_a_user_of_another_firm_is_never_signed_in_through_this_firms_connection(client, two_firms, make_user) -> None:
    _, beta = two_firms
    make_user(role=Role.PRACTITIONER, firm=beta.firm, email=GINA)
    before = _counts()
    response = sso_sign_in(client, GINA)
    assert_refused(response, client, reason="email_of_other_firm_or_type", before=before)


def test_an_upstream_account_linked_through_one_firm_is_refused_through_the_other(client, two_firms, make_user) -> None:
    northwind, beta = two_firms
    make_user(role=Role.PRACTITIONER, firm=northwind.firm, email=ERIN)
    assert sso_sign_in(client, ERIN, totp_secret=ERIN_TOTP_SECRET).status_code == 302
    browser, before = Client(), _counts()
    start = browser.get(f"/signin/sso/{beta.public_id}/start/")
    callback_url = at_upstream(continue_url(start), ERIN, totp_secret=ERIN_TOTP_SECRET)
    response = back_at_firmid(browser, callback_url)
    assert_refused(response, browser, reason="linked_to_other_firm_or_type", before=before, firm=BETA)


def test_a_client_of_the_firm_is_not_signed_in_through_its_practitioners_connection(
    client, connection, make_user
) -> None:
    make_user(role=Role.STANDARD_CLIENT, firm=connection.firm, email=GINA)
    before = _counts()
    assert_refused(sso_sign_in(client, GINA), client, reason="email_of_other_firm_or_type", before=before)


def test_identify_never_routes_an_address_of_one_firm_to_the_other_firms_connection(
    client, two_firms, make_user
) -> None:
    northwind, beta = two_firms
    make_user(role=Role.PRACTITIONER, firm=beta.firm, email="bea@elsewhere.test")
    for email, connection in (("x@beta.test", beta), ("bea@elsewhere.test", beta), ("x@northwind.test", northwind)):
        assert urlparse(identify(client, email)["Location"]).path == f"/signin/sso/{connection.public_id}/start/"
    sso_connection_disable(connection=beta, actor=None)
    for email in ("x@beta.test", "bea@elsewhere.test"):
        assert password_step(identify(client, email))


def test_a_support_agents_address_at_a_served_domain_is_refused(client, make_upstream_idp, make_agent) -> None:
    idp = make_upstream_idp(users=[*NORTHWIND_USERS, northwind_user("sam", "Sam Agent")])
    served = connect_northwind(idp.issuer, create_users=True)
    agent, before = make_agent(3, email="sam@northwind.test"), _counts()
    assert password_step(identify(client, agent.email))  # never routed there
    # Sent to the provider all the same (the start URL by hand): its answer cannot reach the agent.
    authorize_url = continue_url(client.get(f"/signin/sso/{served.public_id}/start/"))
    response = back_at_firmid(client, at_upstream(authorize_url, agent.email))
    assert_refused(response, client, reason="email_of_other_firm_or_type", before=before)


# --- 6. linking and creation --------------------------------------------------------------


def test_an_unverified_email_never_links_an_existing_account(client, connection, make_user) -> None:
    make_user(role=Role.PRACTITIONER, firm=connection.firm, email=HAL)
    before = _counts()
    assert_refused(sso_sign_in(client, HAL), client, reason="email_not_verified", before=before)


def test_a_linked_user_disabled_in_firmid_is_refused(client, erin) -> None:
    assert sso_sign_in(Client(), ERIN, totp_secret=ERIN_TOTP_SECRET).status_code == 302
    User.objects.filter(pk=erin.pk).update(is_active=False)
    before = _counts()
    response = sso_sign_in(client, ERIN, totp_secret=ERIN_TOTP_SECRET)
    assert_refused(response, client, reason="user_disabled", before=before)


def test_an_unknown_user_is_refused_when_the_firm_does_not_create_users(client, connection) -> None:
    before = _counts()
    assert_refused(sso_sign_in(client, GINA), client, reason="unknown_user", before=before)


def test_an_unknown_user_is_created_in_the_firm_and_type_when_the_firm_creates_users(client, upstream_idp) -> None:
    connection = connect_northwind(upstream_idp.issuer, create_users=True)
    assert sso_sign_in(client, GINA).status_code == 302 and signed_in(client)
    gina = User.objects.get(email=GINA)
    assert (gina.firm, gina.role, gina.has_usable_password()) == (connection.firm, Role.PRACTITIONER, False)
    assert AuditEvent.objects.filter(action="sso_user_created", subject=gina).count() == 1


def test_a_client_type_connection_naming_no_client_company_creates_nobody(client, upstream_idp) -> None:
    connect_northwind(upstream_idp.issuer, user_type=UserType.CLIENTS, create_users=True)
    before = _counts()
    assert_refused(sso_sign_in(client, GINA), client, reason="no_client_company", before=before)


# --- 7. MFA required at the provider ------------------------------------------------------


def test_mfa_required_at_the_provider_admits_erin_and_refuses_gina(client, upstream_idp, make_user) -> None:
    connection = connect_northwind(upstream_idp.issuer, require_upstream_mfa=True)
    for email in (ERIN, GINA):
        make_user(role=Role.PRACTITIONER, firm=connection.firm, email=email)
    assert sso_sign_in(client, ERIN, totp_secret=ERIN_TOTP_SECRET).status_code == 302 and signed_in(client)
    browser, before = Client(), _counts()
    response = sso_sign_in(browser, GINA)
    assert_refused(response, browser, reason="no_upstream_mfa", before=before)
    assert "requires a second factor at its identity provider" in response.content.decode()


# --- 8. the password path is closed -------------------------------------------------------


def test_a_firmid_password_does_not_sign_in_a_user_of_a_type_under_sso(client, erin, password) -> None:
    response = sign_in(client, ERIN, password)
    assert response.status_code == 302 and response.url == LOGIN and not signed_in(client)
    assert AuditEvent.objects.filter(action="sign_in_password", outcome="refused", subject=erin).exists()


def test_there_is_no_headless_password_login_to_go_around_the_sign_in_page(client, erin, password) -> None:
    # config/urls.py mounts no allauth.headless: its login must not exist at all.
    for path in ("/_allauth/browser/v1/auth/login", "/_allauth/app/v1/auth/login"):
        response = client.post(path, {"email": ERIN, "password": password}, content_type="application/json")
        assert response.status_code == 404
    assert not signed_in(client)


# --- 9. enabling SSO ends password sessions and tokens ------------------------------------


def test_enabling_sso_ends_the_password_sessions_and_tokens_of_the_type(
    client, upstream_idp, make_user, registration, password
) -> None:
    connection = connect_northwind(upstream_idp.issuer, enabled=False)
    erin = make_user(role=Role.PRACTITIONER, firm=connection.firm, email=ERIN)
    _, tokens = oidc.code_flow(client, registration, erin, password)
    assert client.get(HOME).status_code == 200 and tokens.get("refresh_token")
    sso_connection_enable(connection=connection, actor=None)
    home = client.get(HOME)
    assert home.status_code == 302 and urlparse(home["Location"]).path == LOGIN
    assert oidc.oauth_error(oidc.refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    userinfo = Client().get(oidc.USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert userinfo.status_code == 401


# --- 10. a step-up completed by another person --------------------------------------------


def _step_up_finished_by_erin(client: Client, connection, registration, ivy: User):
    """Ivy, signed in without MFA, is sent to the provider for MFA; Erin completes it there. Return the answer."""
    assert sso_sign_in(client, IVY).status_code == 302  # no MFA asked of Ivy
    request = oidc.auth_request(registration, acr_values="urn:firmid:acr:mfa")
    authorize_url = to_upstream(client, client.get(request.url))
    session_key, before = client.session.session_key, _counts()
    # Erin, at the provider in a browser of her own (oidc-provider would first end Ivy's session there).
    refused = back_at_firmid(client, at_upstream(authorize_url, ERIN, totp_secret=ERIN_TOTP_SECRET))
    assert refused.status_code == 400 and "Northwind Partners" in refused.content.decode()
    event = AuditEvent.objects.filter(action="sso_sign_in").order_by("-pk").first()
    assert (event.outcome, event.detail) == ("refused", "step_up_other_user")
    assert client.session.session_key == session_key and client.session["_auth_user_id"] == str(ivy.pk)
    assert client.get(request.url)["Location"].startswith(f"/signin/sso/{connection.public_id}/start/")  # still no MFA
    return before


def test_a_step_up_completed_at_the_provider_by_another_person_is_refused(
    client, connection, erin, registration, make_user
) -> None:
    assert sso_sign_in(Client(), ERIN, totp_secret=ERIN_TOTP_SECRET).status_code == 302  # Erin is linked already
    ivy = make_user(role=Role.PRACTITIONER, firm=connection.firm, email=IVY)
    before = _step_up_finished_by_erin(client, connection, registration, ivy)
    assert _counts() == before


def test_a_step_up_completed_by_another_person_links_nobody(client, connection, erin, registration, make_user) -> None:
    ivy = make_user(role=Role.PRACTITIONER, firm=connection.firm, email=IVY)
    before = _step_up_finished_by_erin(client, connection, registration, ivy)
    assert _counts() == before  # Erin's upstream account is not linked by someone else's step-up
