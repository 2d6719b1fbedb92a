"""Support's MFA reset: a reason always, an optional single-use set-up link, the user's lost-device
requests closed, and nothing the user held left alive (sessions, tokens, trusted browsers)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client

from firmid.audit.models import AuditEvent
from firmid.core import clock
from firmid.mfa.models import FirmMfaLevel, LostDeviceRequest, MailboxProof, TrustedBrowser
from firmid.mfa.trust import trusted_browser_create
from firmid.policy import MfaLevel, UserType
from firmid.signin.trust_stage import COOKIE
from firmid.testing.administration import messages_of, user_url
from firmid.testing.codes import code_now
from firmid.testing.factories import give_factor, set_level
from firmid.testing.oidc import USERINFO, auth_request, code_of, exchange, oauth_error, refresh, tokens_ok
from firmid.testing.signin import HOME, MFA, sign_in

REASON = "Lost phone; identity checked by call-back (ticket 4821)"


@pytest.fixture
def alice_with_app(alice):
    return alice, give_factor(alice)


def reset(client: Client, user, **data: str):
    return client.post(user_url(user, "reset-mfa"), data)


@pytest.mark.parametrize("reason", [None, "", "  ", "ab", "x" * 256])
def test_reset_without_a_proper_reason_is_refused_and_changes_nothing(
    client, signed_in_agent, alice_with_app, reason
) -> None:
    alice, _ = alice_with_app
    signed_in_agent(2)
    response = reset(client, alice) if reason is None else reset(client, alice, reason=reason)
    assert response.status_code == 400
    assert "Give the reason for this reset (3 to 255 characters)" in response.content.decode()
    assert Authenticator.objects.filter(user=alice).exists()
    assert not AuditEvent.objects.filter(action="mfa_reset").exists()


def test_the_reason_is_written_into_the_audit_row(client, signed_in_agent, alice_with_app) -> None:
    alice, _ = alice_with_app
    agent = signed_in_agent(2)
    page = client.get(user_url(alice, "reset-mfa")).content.decode()
    assert 'name="reason"' in page and 'name="send_setup_link"' in page
    response = reset(client, alice, reason=REASON)
    assert response.status_code == 302 and messages_of(response) == ["MFA reset for alice@example.test."]
    event = AuditEvent.objects.get(action="mfa_reset", actor=agent, subject=alice)
    assert event.detail == REASON
    assert event.new_value == "1 factor(s) removed; sessions, tokens and trusted browsers ended"
    assert not MailboxProof.objects.exists()


def test_reset_with_a_setup_link_emails_it(
    client, signed_in_agent, alice_with_app, django_capture_on_commit_callbacks
) -> None:
    alice, _ = alice_with_app
    agent = signed_in_agent(2)
    with django_capture_on_commit_callbacks(execute=True):
        response = reset(client, alice, reason=REASON, send_setup_link="1")
    assert messages_of(response) == ["MFA reset for alice@example.test. A single-use set-up link was emailed to them."]
    link_mail = next(m for m in mail.outbox if "set up multi-factor" in m.subject)
    assert link_mail.to == [alice.email] and "/accounts/security/setup-link/" in link_mail.body
    proof = MailboxProof.objects.get(user=alice)
    assert proof.kind == "setup_link" and proof.created_by == agent and proof.secret_hash not in link_mail.body
    assert AuditEvent.objects.filter(action="mfa_setup_link_sent", actor=agent, subject=alice).count() == 1


def test_login_tab_shows_open_lost_device_requests_and_the_reset_closes_them(
    client, signed_in_agent, alice_with_app
) -> None:
    alice, _ = alice_with_app
    LostDeviceRequest.objects.create(user=alice, firm=alice.firm, created_at=clock.now(), ip="203.0.113.7")
    agent = signed_in_agent(2)
    page = client.get(user_url(alice, "security")).content.decode()
    assert "Lost-device requests" in page and "203.0.113.7" in page
    assert "open lost-device request is marked as handled" in client.get(user_url(alice, "reset-mfa")).content.decode()
    reset(client, alice, reason=REASON)
    request = LostDeviceRequest.objects.get(user=alice)
    assert request.handled_at is not None and request.handled_by == agent
    assert "Lost-device requests" not in client.get(user_url(alice, "security")).content.decode()


def test_a_reset_leaves_no_session_token_or_trusted_browser_alive(
    client, signed_in_agent, alice_with_app, password, registration, frozen_clock
) -> None:
    alice, secret = alice_with_app
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.SUGGESTED)
    FirmMfaLevel.objects.filter(firm=alice.firm).update(trust_browser_days=30)
    # Browser A is trusted; browser B is signed in to an application with the code.
    trusted = Client()
    trusted.cookies[COOKIE] = trusted_browser_create(user=alice, user_agent="Firefox/121.0")
    assert sign_in(trusted, alice.email, password).url == HOME
    browser = Client()
    request = auth_request(registration)
    sign_in(browser, alice.email, password, request.url)
    browser.post(MFA, {"code": code_now(secret)})
    browser.post("/accounts/security/trust-browser/", {"not_now": "1"})
    tokens = tokens_ok(exchange(registration, code_of(browser.get(request.url), request), request.verifier))
    second = auth_request(registration)
    unexchanged = code_of(browser.get(second.url), second)  # a code issued, not exchanged yet
    assert browser.get(HOME).status_code == 200 and trusted.get(HOME).status_code == 200

    signed_in_agent(2)
    assert reset(client, alice, reason=REASON, send_setup_link="1").status_code == 302

    assert browser.get(HOME).status_code == 302 and trusted.get(HOME).status_code == 302
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    assert oauth_error(exchange(registration, unexchanged, second.verifier)) == "invalid_grant"
    assert Client().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 401
    assert not TrustedBrowser.objects.filter(user=alice).exists()
    # Set up again later: the old cookie does not skip the new factor's code.
    give_factor(alice)
    frozen_clock.advance(60)
    assert sign_in(trusted, alice.email, password).url == MFA


def test_login_tab_lists_every_factor_and_names_the_second_ones(client, signed_in_agent, alice_with_app) -> None:
    from firmid.mfa.factors.recovery_codes import flows

    alice, _ = alice_with_app
    signed_in_agent(1)
    flows.recovery_codes_issue(user=alice, request=None)
    page = client.get(user_url(alice, "security")).content.decode()
    assert "They have set up a second factor (authenticator app) and are asked for it at every sign-in." in page
    assert '<td class="kind">Recovery codes</td>' in page and '<td data-label="Name">10 of 10 left</td>' in page
