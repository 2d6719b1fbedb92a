"""Attacks on a half-finished sign-in: session A waits after the password while B changes the account.

A sign-in completes only if, when it completes, the user satisfies what the policy asks now.
Each test has two browsers (two Django test clients, two sessions): A knows only the password
and is stopped at the code or set-up page; B is the real user, or support, acting meanwhile.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from firmid.accounts.models import User
from firmid.accounts.services import user_set_active
from firmid.audit.models import AuditEvent
from firmid.core.seams.allauth import TOTP
from firmid.mfa import services
from firmid.mfa.factors.totp import flows as enrolment
from firmid.oidc.services import application_register
from firmid.policy import MfaLevel, UserType
from firmid.signin.stages import CHANGED_MEANWHILE
from firmid.testing.codes import code_now
from firmid.testing.factories import set_level
from firmid.testing.oidc import REDIRECT, auth_request, code_of, exchange, goes_to_login, tokens_ok, verify_id_token
from firmid.testing.signin import ENROL, HOME, LOGIN, MFA, past_recovery_codes, shown_key, sign_in

CAROL = "carol@client-one.test"


@pytest.fixture
def carol(demo) -> User:
    """Carol, a standard client of Client One, whose firm makes its clients use MFA."""
    user = User.objects.get(email=CAROL)
    set_level(user.firm, UserType.CLIENTS, MfaLevel.MANDATORY)
    return user


@pytest.fixture
def documents(db):
    return application_register(
        actor=None, name="Documents", home_url="http://127.0.0.1:9999/", redirect_uris=[REDIRECT]
    )


def enrol_in_own_browser(email: str, password: str) -> str:
    """The real user, in their own browser, signs in and sets up their authenticator; returns the key."""
    own = Client()
    assert sign_in(own, email, password).url == ENROL
    secret = shown_key(own.get(ENROL))
    assert own.post(ENROL, {"code": code_now(secret)}).status_code == 302
    return secret


def refused(response) -> bool:
    """The pending sign-in was ended: back to the sign-in page, with no session."""
    return response.status_code == 302 and urlparse(response.url).path == LOGIN


def told_to_sign_in_again(client: Client) -> bool:
    return CHANGED_MEANWHILE.replace("'", "&#x27;") in client.get(LOGIN).content.decode()


def signed_in(client: Client) -> bool:
    return client.get(HOME).status_code == 200


def refusals_of(user: User) -> int:
    return AuditEvent.objects.filter(action="sign_in", outcome="refused", subject=user).count()


def test_pending_enrolment_completed_after_factor_added_elsewhere_is_refused(
    client, carol, password, frozen_clock
) -> None:
    assert sign_in(client, CAROL, password).url == ENROL  # session A: only the password
    enrol_in_own_browser(CAROL, password)  # session B: Carol sets up her authenticator
    response = client.get(ENROL)
    assert refused(response)
    assert not signed_in(client)
    assert told_to_sign_in_again(client)
    assert refusals_of(carol) == 1
    # Starting again, session A meets the code page it cannot pass.
    assert sign_in(client, CAROL, password).url == MFA


def test_pending_enrolment_posted_after_factor_added_elsewhere_is_refused(
    client, carol, password, frozen_clock
) -> None:
    assert sign_in(client, CAROL, password).url == ENROL
    key_a = shown_key(client.get(ENROL))
    enrol_in_own_browser(CAROL, password)
    frozen_clock.advance(30)
    # Session A even holds a valid code of its own key: the account has a factor now, not this one.
    response = client.post(ENROL, {"code": code_now(key_a)})
    assert refused(response) and not signed_in(client)
    assert Authenticator.objects.filter(user=carol, type="totp").count() == 1


def test_pending_sign_in_gets_no_authorization_code_after_factor_added_elsewhere(carol, password, documents) -> None:
    """The reported attack, end to end: session A must not get a code, nor an ID token saying amr ["pwd"]."""
    session_a = Client()
    request = auth_request(documents)
    assert goes_to_login(session_a.get(request.url))
    assert sign_in(session_a, CAROL, password, request.url).url == ENROL
    secret = enrol_in_own_browser(CAROL, password)

    response = session_a.get(ENROL)
    assert refused(response)
    assert parse_qs(urlparse(response.url).query)["next"] == [request.url]  # signing in again goes back there
    assert goes_to_login(session_a.get(request.url))  # no code for session A
    assert sign_in(session_a, CAROL, password, request.url).url == MFA  # the code page, which it cannot pass
    assert goes_to_login(session_a.get(request.url))

    # Carol herself, with her code, gets one: and her ID token says she gave a second factor.
    # (The real clock: ID tokens are dated by it. The next step's code, as the set-up spent this one.)
    own = Client()
    own_request = auth_request(documents)
    assert sign_in(own, CAROL, password, own_request.url).url == MFA
    assert own.post(MFA, {"code": code_now(secret, 1)}).url == own_request.url
    body = tokens_ok(exchange(documents, code_of(own.get(own_request.url), own_request), own_request.verifier))
    claims = verify_id_token(body["id_token"], registration=documents, nonce=own_request.nonce).claims
    assert claims["amr"] == ["pwd", "otp", "mfa"] and claims["acr"] == "urn:firmid:acr:mfa"


def test_pending_enrolment_after_support_reset_and_re_enrolment_is_refused(
    client, carol, password, make_agent, frozen_clock, django_capture_on_commit_callbacks
) -> None:
    TOTP.activate(carol, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    with django_capture_on_commit_callbacks(execute=True):
        services.user_reset_mfa(actor=make_agent(2), user=carol, reason="Lost phone")
    assert sign_in(client, CAROL, password).url == ENROL  # session A, after the reset
    enrol_in_own_browser(CAROL, password)
    assert refused(client.get(ENROL))
    assert not signed_in(client)


def test_pending_code_page_after_support_reset_ends_the_sign_in(
    client, carol, password, make_agent, frozen_clock, django_capture_on_commit_callbacks
) -> None:
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(carol, secret)
    assert sign_in(client, CAROL, password).url == MFA
    with django_capture_on_commit_callbacks(execute=True):
        services.user_reset_mfa(actor=make_agent(2), user=carol, reason="Lost phone")
    TOTP.activate(carol, secret)  # even set up again with the very same key
    response = client.post(MFA, {"code": code_now(secret)})
    assert refused(response) and not signed_in(client)
    assert told_to_sign_in_again(client)
    assert refusals_of(carol) == 1


def test_pending_activate_later_after_user_disabled_is_refused(client, carol, password, make_agent) -> None:
    set_level(carol.firm, UserType.CLIENTS, MfaLevel.SUGGESTED)
    assert sign_in(client, CAROL, password).url == ENROL
    user_set_active(actor=make_agent(2), user=carol, active=False)
    response = client.post(ENROL, {"later": "1"})
    assert refused(response) and not signed_in(client)
    assert not AuditEvent.objects.filter(action="sign_in", outcome="success", subject=carol).exists()
    assert refusals_of(carol) == 1


def test_pending_code_page_after_user_disabled_is_refused_even_with_the_right_code(
    client, carol, password, make_agent, frozen_clock
) -> None:
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(carol, secret)
    assert sign_in(client, CAROL, password).url == MFA
    user_set_active(actor=make_agent(2), user=carol, active=False)
    assert refused(client.post(MFA, {"code": code_now(secret)}))
    assert not AuditEvent.objects.filter(action="sign_in", outcome="success", subject=carol).exists()


def test_pending_activate_later_after_password_changed_elsewhere_is_refused(client, carol, password) -> None:
    set_level(carol.firm, UserType.CLIENTS, MfaLevel.SUGGESTED)
    assert sign_in(client, CAROL, password).url == ENROL  # someone who knew the old password
    carol.set_password("a brand new long passphrase")
    carol.save()
    assert refused(client.post(ENROL, {"later": "1"}))
    assert not signed_in(client)


def test_activate_later_refused_once_the_level_is_raised_to_mandatory_meanwhile(client, carol, password) -> None:
    set_level(carol.firm, UserType.CLIENTS, MfaLevel.SUGGESTED)
    assert sign_in(client, CAROL, password).url == ENROL
    assert "Activate later" in client.get(ENROL).content.decode()
    set_level(carol.firm, UserType.CLIENTS, MfaLevel.MANDATORY)
    response = client.post(ENROL, {"later": "1"})
    assert response.status_code == 403
    assert not signed_in(client)


def test_level_raised_while_activate_later_is_handled_is_caught_when_the_sign_in_completes(
    client, carol, password, monkeypatch
) -> None:
    """The race: the level is raised after the page checked it, before the sign-in completes."""
    set_level(carol.firm, UserType.CLIENTS, MfaLevel.SUGGESTED)
    assert sign_in(client, CAROL, password).url == ENROL
    postpone = enrolment.postpone_enrolment

    def raised_meanwhile(request, user) -> None:
        postpone(request, user)
        set_level(carol.firm, UserType.CLIENTS, MfaLevel.MANDATORY)

    monkeypatch.setattr(enrolment, "postpone_enrolment", raised_meanwhile)
    assert refused(client.post(ENROL, {"later": "1"}))
    assert not signed_in(client)
    assert refusals_of(carol) == 1


def test_factor_added_while_activate_later_is_handled_is_caught_when_the_sign_in_completes(
    client, carol, password, monkeypatch
) -> None:
    set_level(carol.firm, UserType.CLIENTS, MfaLevel.SUGGESTED)
    assert sign_in(client, CAROL, password).url == ENROL
    postpone = enrolment.postpone_enrolment

    def enrolled_meanwhile(request, user) -> None:
        postpone(request, user)
        TOTP.activate(carol, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")

    monkeypatch.setattr(enrolment, "postpone_enrolment", enrolled_meanwhile)
    assert refused(client.post(ENROL, {"later": "1"}))
    assert not signed_in(client)


def test_sign_in_without_changes_meanwhile_still_completes(client, carol, password, frozen_clock) -> None:
    """The rule refuses changes, not sign-ins: enrolment, code, and Activate later all still complete."""
    secret = enrol_in_own_browser(CAROL, password)
    frozen_clock.advance(30)
    assert sign_in(client, CAROL, password).url == MFA
    assert client.post(MFA, {"code": code_now(secret)}).url == HOME
    bob = Client()
    set_level(carol.firm, UserType.CLIENTS, MfaLevel.SUGGESTED)
    assert sign_in(bob, "bob@client-one.test", password).url == ENROL
    assert bob.post(ENROL, {"later": "1"}).url == HOME
    assert refusals_of(carol) == 0


def test_id_token_amr_is_never_pwd_alone_for_a_user_with_a_factor(carol, password, documents) -> None:
    """Browser-free: a user who has a factor (set up at this sign-in, or before) gets amr with otp."""
    browser = Client()
    request = auth_request(documents)
    assert sign_in(browser, CAROL, password, request.url).url == ENROL
    secret = shown_key(browser.get(ENROL))
    assert past_recovery_codes(browser, browser.post(ENROL, {"code": code_now(secret)})).url == request.url
    body = tokens_ok(exchange(documents, code_of(browser.get(request.url), request), request.verifier))
    first = verify_id_token(body["id_token"], registration=documents, nonce=request.nonce).claims

    again, request = Client(), auth_request(documents)
    assert sign_in(again, CAROL, password, request.url).url == MFA
    assert goes_to_login(again.get(request.url))  # no code before the code
    assert sign_in(again, CAROL, password, request.url).url == MFA
    assert again.post(MFA, {"code": code_now(secret, 1)}).url == request.url  # the set-up spent this step
    body = tokens_ok(exchange(documents, code_of(again.get(request.url), request), request.verifier))
    second = verify_id_token(body["id_token"], registration=documents, nonce=request.nonce).claims
    for claims in (first, second):
        assert claims["amr"] != ["pwd"] and {"otp", "mfa"} <= set(claims["amr"])
        assert claims["acr"] == "urn:firmid:acr:mfa"
