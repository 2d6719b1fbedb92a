"""Attacks on sign-in: skipping steps, fixing sessions, forging forms, going around the second factor."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client

from firmid.accounts.models import User
from firmid.audit.models import AppendOnlyError, AuditEvent
from firmid.core.seams.allauth import TOTP
from firmid.mfa import services
from firmid.policy import MfaLevel, UserType
from firmid.testing.codes import SECRET, code_now
from firmid.testing.factories import set_level
from firmid.testing.signin import ENROL, HOME, LOGIN, MFA, enrol, shown_key, sign_in

SESSION = "firmid_session"


@pytest.fixture
def enrolled(alice):
    TOTP.activate(alice, SECRET)
    return alice


def test_session_id_changes_after_password_and_after_second_factor(client, enrolled, password, frozen_clock) -> None:
    client.get(LOGIN)
    client.session.save()
    first = client.cookies[SESSION].value
    assert sign_in(client, enrolled.email, password).url == MFA
    after_password = client.cookies[SESSION].value
    client.post(MFA, {"code": code_now(SECRET)})
    after_code = client.cookies[SESSION].value
    assert len({first, after_password, after_code}) == 3
    # The old ids are gone from the store, not merely replaced in this browser.
    assert set(
        Session.objects.filter(session_key__in=[first, after_password, after_code]).values_list(
            "session_key", flat=True
        )
    ) == {after_code}
    stale = Client()
    stale.cookies[SESSION] = after_password
    assert stale.get(HOME).status_code == 302


def test_forms_without_csrf_token_are_refused(enrolled, password) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert sign_in(strict, enrolled.email, password).status_code == 403


def test_unknown_account_and_wrong_password_get_the_same_answer(client, alice) -> None:
    unknown = sign_in(client, "nobody@example.test", "whatever-123")
    wrong = sign_in(client, alice.email, "whatever-123")
    assert unknown.status_code == wrong.status_code == 200

    def errors(r) -> list:
        return r.context["form"].non_field_errors()

    assert errors(unknown) == errors(wrong)


def test_second_factor_page_cannot_be_skipped_by_url(client, enrolled, password) -> None:
    sign_in(client, enrolled.email, password)
    for url in (HOME, "/administration/", "/accounts/2fa/", ENROL):
        response = client.get(url)
        assert response.status_code in (302, 403, 404) and "_auth_user_id" not in client.session


def test_restarting_the_sign_in_does_not_skip_enrolment(client, alice, password) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    sign_in(client, alice.email, password)
    assert sign_in(client, alice.email, password).url == ENROL
    assert client.get(HOME).status_code == 302


def test_lockout_ends_the_half_finished_sign_in(client, enrolled, password, settings, frozen_clock) -> None:
    settings.FIRMID_MFA_MAX_FAILURES = 3
    sign_in(client, enrolled.email, password)
    bad = "000000" if code_now(SECRET) != "000000" else "111111"
    for _ in range(3):
        response = client.post(MFA, {"code": bad})
    assert "Too many incorrect codes" in response.content.decode()
    response = client.post(MFA, {"code": code_now(SECRET)})
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert client.get(HOME).status_code == 302


def test_wrong_code_after_right_password_is_emailed_to_the_user(client, enrolled, password) -> None:
    sign_in(client, enrolled.email, password)
    client.post(MFA, {"code": "000000" if code_now(SECRET) != "000000" else "111111"})
    assert [m.to for m in mail.outbox] == [[enrolled.email]]
    assert "incorrect authenticator code" in mail.outbox[0].body


def test_malformed_code_gets_a_clear_message(client, enrolled, password) -> None:
    sign_in(client, enrolled.email, password)
    response = client.post(MFA, {"code": "12 34 56"})
    assert response.status_code == 400
    assert "6-digit code" in response.content.decode()


def test_password_reset_never_skips_the_second_factor(client, enrolled) -> None:
    client.post("/accounts/password/reset/", {"email": enrolled.email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    form_url = client.get(link).url
    new_password = "a brand new long passphrase"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 302
    assert sign_in(client, enrolled.email, new_password).url == MFA


def test_sso_user_password_sign_in_is_refused_with_a_pointer_to_the_firm(client, demo, password) -> None:
    response = sign_in(client, "erin@northwind.test", password)
    assert response.status_code == 302 and response.url == LOGIN
    page = client.get(LOGIN).content.decode()
    assert "Northwind Partners signs you in through its own identity provider" in page
    assert client.get(HOME).status_code == 302


def test_sso_user_with_wrong_password_learns_nothing_about_sso(client, demo) -> None:
    response = sign_in(client, "erin@northwind.test", "not-the-password")
    assert "identity provider" not in response.content.decode()


def test_mandatory_level_saved_while_signed_in_applies_at_the_next_request(client, alice, password) -> None:
    sign_in(client, alice.email, password)
    assert client.get(HOME).status_code == 200
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert sign_in(client, alice.email, password).url == ENROL


def test_support_reset_ends_every_session_of_the_user(
    client, enrolled, password, make_agent, frozen_clock, django_capture_on_commit_callbacks
) -> None:
    sign_in(client, enrolled.email, password, totp_secret=SECRET)
    assert client.get(HOME).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.user_reset_mfa(actor=make_agent(2), user=enrolled, reason="Lost phone")
    assert client.get(HOME).status_code == 302
    assert not Authenticator.objects.filter(user=enrolled).exists()
    assert "reset" in mail.outbox[-1].subject


def test_session_ends_after_its_absolute_lifetime(client, alice, password, frozen_clock, settings) -> None:
    sign_in(client, alice.email, password)
    frozen_clock.advance(settings.FIRMID_SESSION_ABSOLUTE_SECONDS + 1)
    assert client.get(HOME).status_code == 302


def test_enrolment_is_notified_and_the_seed_never_shown_again(client, alice, password) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    secret = enrol(client, alice.email, password)
    assert "set up" in mail.outbox[-1].subject
    assert secret not in client.get(HOME).content.decode()
    assert client.get(ENROL).status_code == 302


def test_enrolment_code_cannot_be_replayed_at_the_next_sign_in(client, alice, password, frozen_clock) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    sign_in(client, alice.email, password)
    secret = shown_key(client.get(ENROL))
    code = code_now(secret)
    client.post(ENROL, {"code": code})
    client.logout()
    sign_in(client, alice.email, password)
    assert client.post(MFA, {"code": code}).status_code == 400
    assert client.get(HOME).status_code == 302


def test_factor_cannot_be_removed_when_the_firm_requires_it(client, alice, password) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    enrol(client, alice.email, password)
    page = client.get(HOME).content.decode()
    assert "cannot be removed" in page and "Remove the authenticator app" not in page


def test_passwords_are_argon2id_at_owasp_cost(alice) -> None:
    algorithm, variety, version, params, *_ = User.objects.get(pk=alice.pk).password.split("$")
    assert (algorithm, variety) == ("argon2", "argon2id")
    assert params == "m=19456,t=2,p=1"


def test_audit_events_are_append_only(alice) -> None:
    event = AuditEvent.objects.create(at=alice.date_joined, action="test")
    event.detail = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
@pytest.mark.parametrize("path", [LOGIN, "/accounts/password/reset/"])
@pytest.mark.parametrize("next_url", ["http://[::1", "/oauth/authorize/?login_hint=a@b.test&redirect_uri=http://[::1"])
def test_malformed_next_url_is_a_page_not_a_server_error(client, path: str, next_url: str) -> None:
    assert client.get(path, {"next": next_url}).status_code == 200
    response = client.post(path, {"next": next_url, "login": "nobody@example.test", "email": "x", "password": "x"})
    assert response.status_code < 500
