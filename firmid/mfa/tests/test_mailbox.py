"""Proving the mailbox: support's set-up link and the emailed code (issue, check, spend)."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail

from firmid.audit.models import AuditEvent
from firmid.core.errors import NotFound, ServiceError
from firmid.mfa.mailbox import (
    MAX_CODE_ATTEMPTS,
    Gone,
    Kind,
    TooManyCodes,
    email_code_check,
    email_code_send,
    required_proof,
    session_proves,
    setup_link_issue,
    setup_link_spend,
)
from firmid.mfa.models import FirmMfaLevel, MailboxProof
from firmid.policy import MfaLevel, UserType
from firmid.testing.factories import give_factor, set_level

HOUR = 3600


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run a mailbox service and deliver its email (sent once committed)."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


def require_email_code(user) -> None:
    set_level(user.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    FirmMfaLevel.objects.filter(firm=user.firm).update(email_code_before_enrolment=True)


def emailed_code() -> str:
    return re.search(r"^(\d{6})$", mail.outbox[-1].body, re.MULTILINE).group(1)


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


# --- what a set-up needs ---------------------------------------------------------------------


def test_required_proof_link_before_code_before_nothing(alice, make_agent) -> None:
    assert required_proof(user=alice) is None
    require_email_code(alice)
    assert required_proof(user=alice) == Kind.EMAIL_CODE
    setup_link_issue(user=alice, actor=make_agent(2))
    assert required_proof(user=alice) == Kind.SETUP_LINK  # only the link proves it then
    give_factor(alice)  # a set-up: the proofs have done their work
    assert required_proof(user=alice) is None
    assert not MailboxProof.objects.filter(user=alice).exists()


# --- the set-up link -------------------------------------------------------------------------


def test_setup_link_works_once(alice, make_agent, send) -> None:
    url = send(setup_link_issue, user=alice, actor=make_agent(2))
    assert mail.outbox[-1].to == [alice.email] and url in mail.outbox[-1].body
    token = token_of(url)
    assert MailboxProof.objects.get(user=alice).secret_hash != token  # only its hash is stored
    session = SessionStore()
    assert not session_proves(session=session, user=alice)
    assert setup_link_spend(token=token, session=session) == alice
    assert session_proves(session=session, user=alice)
    assert AuditEvent.objects.filter(action="mfa_mailbox_proven", subject=alice).count() == 1
    with pytest.raises(Gone, match="already used"):
        setup_link_spend(token=token, session=SessionStore())


def test_setup_link_expires(alice, make_agent, frozen_clock) -> None:
    token = token_of(setup_link_issue(user=alice, actor=make_agent(2)))
    frozen_clock.advance(24 * HOUR + 1)
    with pytest.raises(Gone, match="expired. Ask your firm's support"):
        setup_link_spend(token=token, session=SessionStore())
    # Expired, it still stands between a password and a set-up: only a new link opens it.
    assert required_proof(user=alice) == Kind.SETUP_LINK


def test_unknown_or_replaced_link_is_refused(alice, make_agent) -> None:
    with pytest.raises(NotFound):
        setup_link_spend(token="x" * 43, session=SessionStore())
    session = SessionStore()
    first = token_of(setup_link_issue(user=alice, actor=make_agent(2)))
    setup_link_spend(token=first, session=session)
    # A new reset deletes the older link: the session it marked no longer proves anything.
    MailboxProof.objects.filter(user=alice).delete()
    setup_link_issue(user=alice, actor=None)
    assert not session_proves(session=session, user=alice)


def test_a_session_proven_for_one_user_proves_nothing_for_another(alice, make_user, make_agent) -> None:
    bob = make_user(firm=alice.firm)
    session = SessionStore()
    setup_link_spend(token=token_of(setup_link_issue(user=alice, actor=None)), session=session)
    setup_link_issue(user=bob, actor=None)
    assert not session_proves(session=session, user=bob)


# --- the emailed code ------------------------------------------------------------------------


def test_right_code_proves_the_mailbox_once(alice, send) -> None:
    require_email_code(alice)
    send(email_code_send, user=alice)
    code, session = emailed_code(), SessionStore()
    email_code_check(user=alice, raw_code=f" {code} ", session=session)
    assert session_proves(session=session, user=alice)
    with pytest.raises(Gone, match="send a new one"):
        email_code_check(user=alice, raw_code=code, session=SessionStore())  # reuse refused


def test_wrong_codes_are_counted_then_the_code_dies(alice, send) -> None:
    require_email_code(alice)
    send(email_code_send, user=alice)
    code = emailed_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(MAX_CODE_ATTEMPTS):
        with pytest.raises(ServiceError, match="not right"):
            email_code_check(user=alice, raw_code=wrong, session=SessionStore())
    with pytest.raises(Gone, match="Too many wrong codes"):
        email_code_check(user=alice, raw_code=code, session=SessionStore())
    assert MailboxProof.objects.get(user=alice).attempts == MAX_CODE_ATTEMPTS


@pytest.mark.parametrize("typed", ["١٢٣٤٥٦", "12345", "1234567", "+12345", "12 345", "", "abcdef"])
def test_malformed_codes_are_refused_without_taking_an_attempt(alice, send, typed: str) -> None:
    require_email_code(alice)
    send(email_code_send, user=alice)
    with pytest.raises(ServiceError, match="6-digit"):
        email_code_check(user=alice, raw_code=typed, session=SessionStore())
    assert MailboxProof.objects.get(user=alice).attempts == 0


def test_code_expires_after_ten_minutes(alice, send, frozen_clock) -> None:
    require_email_code(alice)
    send(email_code_send, user=alice)
    frozen_clock.advance(600)
    with pytest.raises(Gone, match="expired"):
        email_code_check(user=alice, raw_code=emailed_code(), session=SessionStore())


def test_a_new_code_replaces_the_older_one(alice, send) -> None:
    require_email_code(alice)
    send(email_code_send, user=alice)
    older = emailed_code()
    send(email_code_send, user=alice)
    newer = emailed_code()
    if older != newer:
        with pytest.raises(ServiceError):
            email_code_check(user=alice, raw_code=older, session=SessionStore())
    email_code_check(user=alice, raw_code=newer, session=SessionStore())


def test_sending_is_rate_limited(alice, send, frozen_clock) -> None:
    require_email_code(alice)
    for _ in range(5):
        send(email_code_send, user=alice)
    with pytest.raises(TooManyCodes):
        email_code_send(user=alice)
    assert len(mail.outbox) == 5
    frozen_clock.advance(HOUR)
    send(email_code_send, user=alice)


def test_a_code_is_not_needed_once_a_factor_was_set_up(alice) -> None:
    require_email_code(alice)
    Authenticator.objects.create(user=alice, type="recovery_codes", data={})
    assert required_proof(user=alice) is None
