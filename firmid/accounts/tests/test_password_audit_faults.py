"""A new password and its audit row commit together or not at all: the audit table fails for real.

failing_audit (firmid/testing/audit.py) makes the database refuse the row with a trigger:
the user gets a clean 503, keeps their old password, sessions and tokens, and the same
step made again once the audit log works has its one row.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.audit.services import AuditUnavailable
from firmid.testing.signin import HOME, sign_in

CHANGE = "/accounts/password/change/"
RESET = "/accounts/password/reset/"
NEW_PASSWORD = "a brand new long passphrase"


@pytest.fixture
def browser() -> Client:
    """A browser that gets the server's error page, as a real one would, instead of the exception."""
    return Client(raise_request_exception=False)


def account_state(user: User) -> tuple:
    return User.objects.values_list("password", "session_generation", "is_active").get(pk=user.pk)


def assert_clean_503(response) -> None:
    body = response.content.decode()
    assert response.status_code == 503, body[:300]
    assert response["Retry-After"] and "Traceback" not in body and "audit down" not in body


def test_password_change_when_audit_write_fails_keeps_the_old_password_and_session(
    browser, alice, password, failing_audit
) -> None:
    assert sign_in(browser, alice.email, password).url == HOME
    before = account_state(alice)
    posted = {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    with failing_audit("password_changed"):
        assert_clean_503(browser.post(CHANGE, posted))
    assert account_state(alice) == before
    assert browser.get(HOME).status_code == 200  # still signed in: nothing ended
    assert browser.post(CHANGE, posted).status_code == 302
    assert User.objects.get(pk=alice.pk).check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="password_changed", subject=alice).count() == 1


def test_password_reset_by_link_when_audit_write_fails_keeps_the_old_password_and_the_link(
    browser, alice, password, failing_audit
) -> None:
    browser.post(RESET, {"email": alice.email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    form_url = browser.get(link).url
    before = account_state(alice)
    posted = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    with failing_audit("password_reset"):
        assert_clean_503(browser.post(form_url, posted))
    assert account_state(alice) == before
    # The link was not spent by the refused attempt: the user tries again.
    assert browser.post(form_url, posted).status_code == 302
    assert User.objects.get(pk=alice.pk).check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="password_reset", subject=alice).count() == 1


def test_password_changed_on_the_command_line_when_audit_write_fails_is_not_saved(
    alice, failing_audit, monkeypatch
) -> None:
    from django.contrib.auth.management.commands import changepassword

    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": NEW_PASSWORD)
    before = account_state(alice)
    with failing_audit("password_changed"), pytest.raises(AuditUnavailable):
        call_command("changepassword", alice.email, stdout=None)
    assert account_state(alice) == before
    assert not AuditEvent.objects.filter(action="password_changed").exists()
