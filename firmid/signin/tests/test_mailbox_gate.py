"""Only the mailbox owner enrols: after a reset with a set-up link, and where the firm asks an emailed code.

Attacks through the real sign-in: someone who holds only the password tries to set a factor
up after support's reset (without the link), or before a first set-up (without the code),
by the page, by URL, or by posting the set-up form directly.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.http import HttpResponse
from django.test import Client, RequestFactory

from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.services import user_reset_mfa
from firmid.policy import MfaLevel, UserType
from firmid.signin.mailbox import mailbox_proven_required
from firmid.testing.codes import code_now
from firmid.testing.factories import give_factor, set_level
from firmid.testing.signin import ENROL, HOME, LOGIN, shown_key, sign_in, sign_in_as

CONFIRM = "/accounts/security/confirm-address/"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a step and deliver the emails it sends once committed."""

    def run(step, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return step(*args, **kwargs)

    return run


def forced(user: User, *, email_code: bool = False, level: MfaLevel = MfaLevel.MANDATORY) -> User:
    set_level(user.firm, UserType.PRACTITIONERS, level)
    FirmMfaLevel.objects.filter(firm=user.firm).update(email_code_before_enrolment=email_code)
    return user


def link_path() -> str:
    body = next(m.body for m in mail.outbox if "setup-link" in m.body)
    return urlsplit(re.search(r"https?://\S+/accounts/security/setup-link/\S+/", body).group(0)).path


def emailed_code() -> str:
    return re.search(r"^(\d{6})$", mail.outbox[-1].body, re.MULTILINE).group(1)


def sets_up(client: Client) -> bool:
    """The set-up page shows a key and accepts its code: a factor is set up."""
    page = client.get(ENROL)
    if page.status_code != 200:
        return False
    return client.post(ENROL, {"code": code_now(shown_key(page))}).status_code == 302


@pytest.fixture
def reset_with_link(alice, make_agent, committed) -> User:
    """Alice's firm demands MFA; support reset her factor and emailed her a set-up link."""
    forced(alice)
    give_factor(alice)
    committed(user_reset_mfa, actor=make_agent(2), user=alice, reason="Lost phone", send_setup_link=True)
    return alice


def test_enrolment_after_a_reset_by_someone_without_the_setup_link_is_refused(
    client, reset_with_link, password, committed
) -> None:
    alice = reset_with_link
    assert committed(sign_in, client, alice.email, password).url == CONFIRM
    page = client.get(CONFIRM).content.decode()
    assert "emailed a set-up link" in page and 'name="code"' not in page
    # No way around it: the set-up page by URL, its form posted directly, a code, Activate later.
    assert client.get(ENROL).status_code == 302
    assert client.post(ENROL, {"code": "123456"}).status_code == 302
    assert client.post(CONFIRM, {"code": "123456"}).status_code == 400
    assert client.post(CONFIRM, {"later": "1"}).status_code == 403
    assert not sets_up(client)
    assert not Authenticator.objects.filter(user=alice).exists()
    assert client.get(HOME).status_code == 302


def test_the_setup_link_lets_its_owner_enrol_in_that_browser(client, reset_with_link, password) -> None:
    alice = reset_with_link
    link = link_path()
    assert "Continue" in client.get(link).content.decode()  # opening it changes nothing (mail scanners)
    response = client.post(link)
    assert response.status_code == 302 and response.url == CONFIRM
    assert client.get(CONFIRM).url == LOGIN  # nothing pending: to the sign-in page
    assert sign_in(client, alice.email, password).url == ENROL
    assert sets_up(client)
    assert Authenticator.objects.filter(user=alice, type="totp").exists()
    assert AuditEvent.objects.filter(action="mfa_mailbox_proven", subject=alice).count() == 1


def test_the_setup_link_continues_a_sign_in_pending_in_the_same_browser(
    client, reset_with_link, password, committed
) -> None:
    alice = reset_with_link
    link = link_path()
    assert committed(sign_in, client, alice.email, password).url == CONFIRM
    assert client.post(link).url == CONFIRM
    assert client.get(CONFIRM).url == ENROL
    assert sets_up(client)


def test_the_setup_link_works_once_and_not_in_another_browser(client, reset_with_link, password) -> None:
    alice = reset_with_link
    link = link_path()
    client.post(link)
    attacker = Client()
    response = attacker.post(link)
    assert response.status_code == 410 and "already used" in response.content.decode()
    assert sign_in(attacker, alice.email, password).url == CONFIRM
    assert not sets_up(attacker)


def test_an_expired_setup_link_says_so_and_still_stands_in_the_way(
    client, reset_with_link, password, frozen_clock
) -> None:
    alice = reset_with_link
    link = link_path()
    frozen_clock.advance(24 * 3600 + 1)
    response = client.get(link)
    assert response.status_code == 410
    assert "expired. Ask your firm&#x27;s support to send you a new one" in response.content.decode()
    assert client.post(link).status_code == 410
    assert sign_in(client, alice.email, password).url == CONFIRM
    assert "ask your firm's support for a new one" in client.get(CONFIRM).content.decode()


def test_a_reset_without_a_link_needs_none(client, alice, make_agent, password) -> None:
    forced(alice)
    give_factor(alice)
    user_reset_mfa(actor=make_agent(2), user=alice, reason="Lost phone")
    assert sign_in(client, alice.email, password).url == ENROL


# --- the code before a first set-up ----------------------------------------------------------


def test_email_code_gate_before_a_first_set_up(client, alice, password, committed) -> None:
    forced(alice, email_code=True)
    assert committed(sign_in, client, alice.email, password).url == CONFIRM
    assert mail.outbox[-1].to == [alice.email] and "Your code to confirm your address" in mail.outbox[-1].subject
    code = emailed_code()
    assert client.get(ENROL).status_code == 302  # the set-up page cannot be reached by URL
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert client.post(CONFIRM, {"code": wrong}).status_code == 400
    response = client.post(CONFIRM, {"code": code})
    assert response.status_code == 302 and response.url == ENROL
    assert sets_up(client)


def test_email_code_attempts_are_limited_through_the_page(client, alice, password, committed) -> None:
    forced(alice, email_code=True)
    committed(sign_in, client, alice.email, password)
    code = emailed_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert client.post(CONFIRM, {"code": wrong}).status_code == 400
    assert client.post(CONFIRM, {"code": code}).status_code == 410  # a new code must be sent
    assert committed(client.post, CONFIRM, {"resend": "1"}).status_code == 302
    assert client.post(CONFIRM, {"code": emailed_code()}).url == ENROL


def test_email_code_reused_in_another_sign_in_is_refused(client, alice, password, committed) -> None:
    forced(alice, email_code=True)
    committed(sign_in, client, alice.email, password)
    code = emailed_code()
    assert client.post(CONFIRM, {"code": code}).url == ENROL
    attacker = Client()
    committed(sign_in, attacker, alice.email, password)  # a new code is sent to Alice
    assert attacker.post(CONFIRM, {"code": code}).status_code in (400, 410)
    assert not sets_up(attacker)


def test_suggested_user_may_skip_the_code_and_the_set_up(client, alice, password, committed) -> None:
    forced(alice, email_code=True, level=MfaLevel.SUGGESTED)
    committed(sign_in, client, alice.email, password)
    response = client.post(CONFIRM, {"later": "1"})
    assert response.status_code == 302 and response.url == HOME
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(action="mfa_enrolment_postponed", subject=alice).exists()


def test_no_code_once_a_factor_was_ever_set_up(client, alice, password) -> None:
    forced(alice, email_code=True)
    give_factor(alice)
    assert sign_in(client, alice.email, password).url != CONFIRM


# --- the decorator of set-up pages for a signed-in user ---------------------------------------


def _setup_page(request) -> HttpResponse:
    return HttpResponse("set-up page")


def test_decorated_setup_page_sends_to_confirm_the_address_first(alice) -> None:
    forced(alice, email_code=True, level=MfaLevel.UPON_REQUEST)
    request = RequestFactory().get("/my-account/totp/activate/")
    request.user, request.session = alice, SessionStore()
    response = mailbox_proven_required(_setup_page)(request)
    assert response.status_code == 302 and response.url == f"{CONFIRM}?next=%2Fmy-account%2Ftotp%2Factivate%2F"
    FirmMfaLevel.objects.filter(firm=alice.firm).update(email_code_before_enrolment=False)
    assert mailbox_proven_required(_setup_page)(request).status_code == 200


def test_signed_in_user_confirms_the_address_and_goes_back(client, alice, committed) -> None:
    forced(alice, email_code=True, level=MfaLevel.UPON_REQUEST)
    sign_in_as(client, alice)
    url = f"{CONFIRM}?next=/my-account/"
    assert client.get(url).status_code == 200
    assert committed(client.post, url, {"resend": "1"}).status_code == 302
    response = client.post(url, {"code": emailed_code()})
    assert response.status_code == 302 and response.url == "/my-account/"
