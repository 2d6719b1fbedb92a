"""Trust this browser: offered after a second factor when the firm gives N > 0 days, honoured only
for the same user in the same browser while the firm's current N allows, and ended by My
account, a reset, a password change or a factor change."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client

from firmid.accounts.models import User
from firmid.accounts.services import user_set_password
from firmid.audit.models import AuditEvent
from firmid.mfa.models import FirmMfaLevel, TrustedBrowser
from firmid.mfa.trust import trust_days, trusted_browser_create
from firmid.policy import MfaLevel, UserType
from firmid.signin.trust_stage import COOKIE
from firmid.testing.codes import code_now
from firmid.testing.factories import give_factor, set_level
from firmid.testing.oidc import code_flow, verify_id_token
from firmid.testing.signin import ENROL, HOME, MFA, past_recovery_codes, shown_key, sign_in

TRUST_PAGE = "/accounts/security/trust-browser/"
DAY = 86400


def allow_trust(user: User, days: int) -> None:
    set_level(user.firm, UserType.PRACTITIONERS, MfaLevel.SUGGESTED)
    FirmMfaLevel.objects.filter(firm=user.firm, user_type="practitioners").update(trust_browser_days=days)


@pytest.fixture
def alice_with_app(alice) -> tuple[User, str]:
    return alice, give_factor(alice)


def sign_out_keeping_trust(client: Client) -> None:
    """Sign out as a user does: the session ends, the browser keeps its trust cookie."""
    kept = client.cookies.get(COOKIE)
    client.logout()
    if kept is not None:
        client.cookies[COOKIE] = kept.value


def code_then_trust(client: Client, user: User, password: str, secret: str) -> None:
    assert sign_in(client, user.email, password).url == MFA
    assert client.post(MFA, {"code": code_now(secret)}).url == TRUST_PAGE
    response = client.post(TRUST_PAGE, {"trust": "1"})
    assert response.status_code == 302 and response.url == HOME


def test_trust_is_never_offered_when_the_firm_gives_no_days(client, alice_with_app, password) -> None:
    alice, secret = alice_with_app
    allow_trust(alice, 0)
    sign_in(client, alice.email, password)
    assert client.post(MFA, {"code": code_now(secret)}).url == HOME
    assert client.get(TRUST_PAGE).status_code == 302  # no pending offer: the page is not reachable
    assert not TrustedBrowser.objects.exists() and COOKIE not in client.cookies


def test_trusted_browser_is_honoured_for_the_same_user_in_the_same_browser(
    client, alice_with_app, password, frozen_clock, django_capture_on_commit_callbacks
) -> None:
    alice, secret = alice_with_app
    allow_trust(alice, 30)
    sign_in(client, alice.email, password)
    client.post(MFA, {"code": code_now(secret)})
    page = client.get(TRUST_PAGE).content.decode()
    assert "Don't ask again on this browser for 30 days" in page
    with django_capture_on_commit_callbacks(execute=True):
        agent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"
        response = client.post(TRUST_PAGE, {"trust": "1"}, HTTP_USER_AGENT=agent)
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert int(cookie["max-age"]) == 30 * DAY and not cookie["secure"]  # Secure (and __Host-) over HTTPS only
    row = TrustedBrowser.objects.get(user=alice)
    assert row.label == "Chrome on Linux" and len(row.token_hash) == 64 and row.token_hash not in cookie.value
    assert AuditEvent.objects.filter(action="mfa_browser_trusted", subject=alice).count() == 1
    assert [m.subject for m in mail.outbox] == ["[firmid] A browser was trusted on your account"]
    sign_out_keeping_trust(client)
    frozen_clock.advance(DAY)
    response = sign_in(client, alice.email, password)
    assert response.status_code == 302 and response.url == HOME  # no code asked
    assert client.get(HOME).status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_not_now_trusts_nothing(client, alice_with_app, password, frozen_clock) -> None:
    alice, secret = alice_with_app
    allow_trust(alice, 30)
    sign_in(client, alice.email, password)
    client.post(MFA, {"code": code_now(secret)})
    assert client.post(TRUST_PAGE, {"not_now": "1"}).url == HOME
    assert not TrustedBrowser.objects.exists() and COOKIE not in client.cookies


def test_trusted_browser_sign_in_reports_mfa_without_a_factor_amr(
    client, alice_with_app, password, registration
) -> None:
    alice, secret = alice_with_app
    allow_trust(alice, 30)
    code_then_trust(client, alice, password, secret)
    sign_out_keeping_trust(client)  # the next sign-in asks no code: no clock to move
    request, tokens = code_flow(client, registration, alice, password)
    claims = verify_id_token(tokens["id_token"], registration=registration, nonce=request.nonce).claims
    assert claims["amr"] == ["pwd", "mfa"]
    assert claims["acr"] == "urn:firmid:acr:mfa"


def test_trusted_token_never_signs_another_user_past_the_code(
    client, alice_with_app, make_user, password, frozen_clock
) -> None:
    alice, secret = alice_with_app
    allow_trust(alice, 30)
    bob = make_user(firm=alice.firm)
    give_factor(bob)
    code_then_trust(client, alice, password, secret)
    sign_out_keeping_trust(client)
    # Bob in Alice's browser, and Alice's stolen cookie in Bob's browser: the code is asked.
    assert sign_in(client, bob.email, password).url == MFA
    elsewhere = Client()
    elsewhere.cookies[COOKIE] = client.cookies[COOKIE].value
    assert sign_in(elsewhere, bob.email, password).url == MFA


def test_expired_trust_is_not_honoured(client, alice_with_app, password, frozen_clock) -> None:
    alice, secret = alice_with_app
    allow_trust(alice, 7)
    code_then_trust(client, alice, password, secret)
    sign_out_keeping_trust(client)
    frozen_clock.advance(7 * DAY + 1)
    assert sign_in(client, alice.email, password).url == MFA


@pytest.mark.parametrize(("lowered_to", "after_days", "honoured"), [(0, 0, False), (3, 2, True), (3, 4, False)])
def test_firm_lowering_its_days_shortens_every_trust_at_once(
    client, alice_with_app, password, frozen_clock, lowered_to: int, after_days: int, honoured: bool
) -> None:
    alice, secret = alice_with_app
    allow_trust(alice, 30)
    code_then_trust(client, alice, password, secret)
    sign_out_keeping_trust(client)
    FirmMfaLevel.objects.filter(firm=alice.firm).update(trust_browser_days=lowered_to)
    frozen_clock.advance(after_days * DAY + 60)
    assert sign_in(client, alice.email, password).url == (HOME if honoured else MFA)


def test_revoked_from_my_account_the_browser_asks_for_the_code_again(
    client, alice_with_app, password, frozen_clock
) -> None:
    alice, secret = alice_with_app
    allow_trust(alice, 30)
    code_then_trust(client, alice, password, secret)
    row = TrustedBrowser.objects.get(user=alice)
    response = client.post(f"/my-account/trusted-browsers/{row.pk}/revoke/")
    assert response.status_code == 302 and response.url == HOME
    assert not TrustedBrowser.objects.filter(pk=row.pk).exists()
    assert AuditEvent.objects.filter(action="mfa_trusted_browser_revoked", subject=alice).count() == 1
    sign_out_keeping_trust(client)
    frozen_clock.advance(60)
    assert sign_in(client, alice.email, password).url == MFA


def test_revoke_all_and_another_users_browser(client, alice_with_app, make_user, password, frozen_clock) -> None:
    alice, secret = alice_with_app
    allow_trust(alice, 30)
    bob = make_user(firm=alice.firm)
    bobs = TrustedBrowser.objects.get(pk=_trust(bob))
    code_then_trust(client, alice, password, secret)
    _trust(alice)
    assert client.get(f"/my-account/trusted-browsers/{bobs.pk}/revoke/").status_code == 405  # POST only
    assert client.post(f"/my-account/trusted-browsers/{bobs.pk}/revoke/").status_code == 404
    assert client.post("/my-account/trusted-browsers/revoke-all/").status_code == 302
    assert list(TrustedBrowser.objects.values_list("user_id", flat=True)) == [bob.pk]


def _trust(user: User) -> int:
    trusted_browser_create(user=user, user_agent="Mozilla/5.0 (Windows NT 10.0) Firefox/121.0")
    return TrustedBrowser.objects.filter(user=user).latest("pk").pk


@pytest.mark.parametrize("change", ["password", "factor_added", "factor_removed"])
def test_password_or_factor_change_ends_every_trust(client, alice_with_app, password, frozen_clock, change) -> None:
    alice, secret = alice_with_app
    allow_trust(alice, 30)
    code_then_trust(client, alice, password, secret)
    if change == "password":
        user_set_password(user=alice, password="a-new-long-passphrase-42")
    elif change == "factor_added":
        give_factor(alice, Authenticator.Type.WEBAUTHN)
    else:
        Authenticator.objects.filter(user=alice, type=Authenticator.Type.TOTP).delete()
    assert not TrustedBrowser.objects.filter(user=alice).exists()


def test_support_agents_are_never_offered_trust(make_agent) -> None:
    agent = make_agent(2)
    assert trust_days(user=agent) == 0
    assert trusted_browser_create(user=agent, user_agent="") is None
    assert not TrustedBrowser.objects.exists()


def test_a_set_up_during_sign_in_counts_as_the_second_factor_for_the_offer(client, alice, password) -> None:
    allow_trust(alice, 30)
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    assert sign_in(client, alice.email, password).url == ENROL
    secret = shown_key(client.get(ENROL))
    response = past_recovery_codes(client, client.post(ENROL, {"code": code_now(secret)}))
    assert response.url == TRUST_PAGE
    assert client.post(TRUST_PAGE, {"trust": "1"}).url == HOME
    assert TrustedBrowser.objects.filter(user=alice).count() == 1


def test_trust_is_not_offered_after_a_recovery_code(client, alice_with_app, password) -> None:
    from firmid.mfa.factors.recovery_codes import flows

    alice, _ = alice_with_app
    allow_trust(alice, 30)
    plain = flows.recovery_codes_issue(user=alice, request=None)
    assert sign_in(client, alice.email, password).url == MFA
    response = client.post("/accounts/2fa/recovery-code/", {"code": plain[0]})
    assert response.status_code == 302 and response.url == HOME
    assert not TrustedBrowser.objects.filter(user=alice).exists()
