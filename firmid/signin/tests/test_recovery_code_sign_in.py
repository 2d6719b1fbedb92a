"""Recovery codes in the sign-in: shown once after the first factor, then signing in in place of the code."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.core.seams.allauth import get_authentication_records
from firmid.mfa.factors.recovery_codes import codes, flows
from firmid.mfa.verification import Outcome
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import code_now, wrong_code
from firmid.testing.factories import give_factor, set_level
from firmid.testing.oidc import auth_request, code_of, exchange, tokens_ok, verify_id_token
from firmid.testing.signin import (
    ENROL,
    HOME,
    LOGIN,
    MFA,
    RECOVERY_CODES,
    shown_key,
    shown_recovery_codes,
    sign_in,
    sign_in_as,
)

RECOVERY = "/accounts/2fa/recovery-code/"
LOST = "/accounts/2fa/lost-device/"
REGENERATE = "/accounts/2fa/recovery-codes/new/"
SHOW = "/accounts/2fa/recovery-codes/"
REMOVE = "/accounts/2fa/recovery-codes/remove/"
MAX = 5


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    settings.FIRMID_MFA_MAX_FAILURES = MAX


@pytest.fixture
def bob(make_user):
    """A user with an authenticator app and a set of recovery codes: (user, TOTP secret, codes)."""
    user = make_user(email="bob@example.test")
    secret = give_factor(user)
    return user, secret, flows.recovery_codes_issue(user=user, request=None)


def enrolled_in_sign_in(client, user, password: str) -> tuple[str, object]:
    """Sign in under Mandatory and set the app up; return its key and the response that follows."""
    set_level(user.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    assert sign_in(client, user.email, password).url == ENROL
    key = shown_key(client.get(ENROL))
    return key, client.post(ENROL, {"code": code_now(key)})


def test_first_factor_set_up_at_sign_in_shows_its_recovery_codes_once(client, alice, password, frozen_clock) -> None:
    _, response = enrolled_in_sign_in(client, alice, password)
    assert response.url == RECOVERY_CODES
    page = client.get(RECOVERY_CODES)
    shown = shown_recovery_codes(page)
    assert len(shown) == codes.COUNT
    assert "no-store" in page["Cache-Control"]
    assert 'id="copy-recovery-codes"' in page.content.decode() and "recovery_codes.js" in page.content.decode()
    assert client.get(HOME).status_code == 302  # not signed in until the codes were seen
    # A second look (reload, back button, another tab) shows them no more.
    again = client.get(RECOVERY_CODES)
    assert shown_recovery_codes(again) == [] and 'id="codes-already-shown"' in again.content.decode()
    assert not any(code in again.content.decode() for code in shown)
    response = client.post(RECOVERY_CODES, {"continue": "1"})
    assert response.url == HOME
    assert client.get(HOME).status_code == 200
    assert flows.FRESH not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.MFA_RECOVERY_CODES_GENERATED, subject=alice).count() == 1
    assert flows.use_recovery_code(user=alice, raw_code=shown[0], request=None, purpose="mfa_sign_in").outcome is (
        Outcome.ACCEPTED
    )


def test_new_codes_download_as_a_text_file_never_stored(client, alice, password, frozen_clock) -> None:
    enrolled_in_sign_in(client, alice, password)
    shown = shown_recovery_codes(client.get(RECOVERY_CODES))
    download = client.post(RECOVERY_CODES, {"download": "1", "code": shown})
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="firmid-recovery-codes.txt"'
    assert download["Content-Type"].startswith("text/plain")
    assert "no-store" in download["Cache-Control"]
    assert all(code in download.content.decode() for code in shown)
    # The download echoes only the user's own unused codes: it is no file-making service.
    forged = client.post(RECOVERY_CODES, {"download": "1", "code": [codes.shown(codes.new_code())]})
    assert forged.status_code == 400


def test_codes_page_is_unreachable_outside_a_pending_sign_in(client) -> None:
    assert client.get(RECOVERY_CODES).url == LOGIN


def test_sign_in_with_a_recovery_code_instead_of_the_app(client, bob, password) -> None:
    user, _, plain = bob
    assert sign_in(client, user.email, password).url == MFA
    assert 'href="/accounts/2fa/lost-device/"' in client.get(MFA).content.decode()
    assert client.get(RECOVERY).status_code == 200
    mail.outbox.clear()
    response = client.post(RECOVERY, {"code": codes.shown(plain[0]).lower()})
    assert response.status_code == 302 and response.url == HOME
    assert client.get(HOME).status_code == 200
    record = get_authentication_records(client.get(HOME).wsgi_request, user)[-1]
    assert record["method"] == "mfa" and record["type"] == "recovery_codes"
    used = AuditEvent.objects.get(action=AuditAction.MFA_RECOVERY_CODE_USED, subject=user)
    assert used.ip_address == "127.0.0.1" and used.detail == "9 left"
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "from 127.0.0.1" in mail.outbox[0].body and "9 recovery codes left" in mail.outbox[0].body


def test_recovery_code_typed_in_the_code_field_signs_in_too(client, bob, password) -> None:
    user, _, plain = bob
    sign_in(client, user.email, password)
    response = client.post(MFA, {"code": codes.shown(plain[1])})
    assert response.status_code == 302 and response.url == HOME


def test_recovery_code_reused_at_the_next_sign_in_is_refused(client, bob, password) -> None:
    user, _, plain = bob
    sign_in(client, user.email, password)
    assert client.post(RECOVERY, {"code": plain[0]}).url == HOME
    client.logout()
    sign_in(client, user.email, password)
    refused = client.post(RECOVERY, {"code": plain[0]})
    assert refused.status_code == 400
    assert "already used" in refused.content.decode()
    assert client.get(HOME).status_code == 302


def test_id_token_of_a_recovery_code_sign_in_says_otp_and_mfa(client, bob, password, registration) -> None:
    user, _, plain = bob
    request = auth_request(registration)
    sign_in(client, user.email, password, request.url)
    assert client.post(RECOVERY, {"code": plain[0]}).url == request.url
    body = tokens_ok(exchange(registration, code_of(client.get(request.url), request), request.verifier))
    claims = verify_id_token(body["id_token"], registration=registration, nonce=request.nonce).claims
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims["acr"] == "urn:firmid:acr:mfa"


def test_with_three_codes_left_the_page_after_sign_in_points_to_a_new_set(client, bob, password) -> None:
    user, _, plain = bob
    for code in plain[:6]:
        flows.use_recovery_code(user=user, raw_code=code, request=None, purpose="mfa_sign_in")
    sign_in(client, user.email, password)
    client.post(RECOVERY, {"code": plain[6]})
    page = client.get(HOME).content.decode()
    assert "have 3 recovery codes left" in page and "Generate a new set" in page
    assert "generate a new set" in mail.outbox[-1].body


def test_recovery_code_brute_force_ends_the_sign_in_and_locks_the_app_code_too(client, bob, password) -> None:
    user, secret, plain = bob
    sign_in(client, user.email, password)
    for _ in range(MAX - 1):
        assert client.post(RECOVERY, {"code": codes.new_code()}).status_code == 400
    locked = client.post(RECOVERY, {"code": codes.new_code()})
    assert locked.status_code == 400 and "Too many incorrect codes" in locked.content.decode()
    assert client.post(RECOVERY, {"code": plain[0]}).url == LOGIN  # the pending sign-in ended
    sign_in(client, user.email, password)
    refused = client.post(MFA, {"code": code_now(secret)})
    assert refused.status_code == 400 and "Too many incorrect codes" in refused.content.decode()
    assert flows.recovery_codes_left(user=user) == codes.COUNT


def test_wrong_app_codes_lock_the_recovery_code_page_too(client, bob, password) -> None:
    user, _, plain = bob
    sign_in(client, user.email, password)
    for _ in range(MAX):
        client.post(MFA, {"code": wrong_code()})
    sign_in(client, user.email, password)
    refused = client.post(RECOVERY, {"code": plain[0]})
    assert refused.status_code == 400 and "Too many incorrect codes" in refused.content.decode()
    assert flows.recovery_codes_left(user=user) == codes.COUNT


def test_recovery_code_page_is_unreachable_outside_a_pending_sign_in(client, bob) -> None:
    _, _, plain = bob
    assert client.get(RECOVERY).url == LOGIN
    assert client.post(RECOVERY, {"code": plain[0]}).url == LOGIN
    assert flows.recovery_codes_left(user=bob[0]) == codes.COUNT


def test_re_authentication_does_not_take_a_recovery_code(client, bob, password) -> None:
    user, secret, plain = bob
    sign_in(client, user.email, password, totp_secret=secret)
    response = client.post("/accounts/2fa/reauthenticate/", {"code": plain[0]})
    assert response.status_code in (200, 400)
    assert flows.recovery_codes_left(user=user) == codes.COUNT


def test_regeneration_needs_recent_proof_then_shows_the_new_set_once(client, bob, password, frozen_clock) -> None:
    user, secret, old = bob
    sign_in(client, user.email, password, totp_secret=secret)
    frozen_clock.advance(3600)  # the sign-in is no longer recent proof
    assert "10 unused recovery codes" in client.get(REGENERATE).content.decode()
    asked = client.post(REGENERATE, {"generate": "1"})
    assert asked.status_code == 302 and "reauthenticate" in asked.url
    assert flows.recovery_codes_left(user=user) == codes.COUNT
    assert AuditEvent.objects.filter(action=AuditAction.MFA_RECOVERY_CODES_GENERATED).count() == 1
    client.post("/accounts/2fa/reauthenticate/", {"code": code_now(secret, 1)})
    response = client.post(REGENERATE, {"generate": "1"})
    assert response.url == SHOW
    new = shown_recovery_codes(client.get(SHOW))
    assert len(new) == codes.COUNT and not set(new) & {codes.shown(c) for c in old}
    assert shown_recovery_codes(client.get(SHOW)) == []  # shown once
    assert AuditEvent.objects.filter(action=AuditAction.MFA_RECOVERY_CODES_GENERATED).count() == 2
    assert "previous recovery codes no longer work" in mail.outbox[-1].body
    result = flows.use_recovery_code(user=user, raw_code=old[0], request=None, purpose="mfa_sign_in")
    assert result.outcome is Outcome.REFUSED


def test_removing_the_set_needs_recent_proof_and_is_audited(client, bob, password, frozen_clock) -> None:
    user, secret, _ = bob
    sign_in(client, user.email, password, totp_secret=secret)
    frozen_clock.advance(3600)
    asked = client.post(REMOVE, {"remove": "1"})
    assert asked.status_code == 302 and "reauthenticate" in asked.url
    assert flows.has_recovery_codes(user=user)
    client.post("/accounts/2fa/reauthenticate/", {"code": code_now(secret, 1)})
    assert client.post(REMOVE, {"remove": "1"}).url == HOME
    assert not flows.has_recovery_codes(user=user)
    removed = AuditEvent.objects.get(action=AuditAction.MFA_FACTOR_REMOVED, subject=user)
    assert removed.factor_type == "recovery_codes"


def test_codes_of_a_factor_added_in_my_account_are_shown_once_there(client, alice) -> None:
    give_factor(alice)
    plain = flows.recovery_codes_issue(user=alice, request=None)
    sign_in_as(client, alice)
    session = client.session
    session[flows.FRESH] = {"user": str(alice.public_id), "codes": plain}
    session.save()
    page = client.get(SHOW)
    assert shown_recovery_codes(page) == [codes.shown(c) for c in plain] and "no-store" in page["Cache-Control"]
    assert shown_recovery_codes(client.get(SHOW)) == []
    download = client.post(SHOW, {"code": [codes.shown(c) for c in plain]})
    assert download["Content-Disposition"].startswith("attachment")


def test_a_further_factor_keeps_the_existing_set(client, bob, rf) -> None:
    user, _, plain = bob
    request = rf.get("/")
    request.session = client.session
    flows.issue_with_first_factor(None, request, user, Authenticator(type="webauthn"))
    assert flows.FRESH not in request.session
    assert flows.recovery_codes_left(user=user) == codes.COUNT
