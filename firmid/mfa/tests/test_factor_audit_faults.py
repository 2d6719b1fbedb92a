"""MFA changes and their audit rows commit together or not at all: the audit table is made to fail for real.

Each test breaks the audit insert with a trigger (failing_audit, firmid/testing/audit.py)
at the moment the user sets a factor up or removes it, and checks that the user gets a
clean 503 and that the factor did not change; then that the same step, tried again once
the audit log works, succeeds with exactly one audit row.
"""

from __future__ import annotations

import re
import threading

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.audit.services import AuditUnavailable
from firmid.core.seams.allauth import TOTP
from firmid.mfa.factors.totp.services import totp_secrets_rotate
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.testing.audit import inserts_paused
from firmid.testing.codes import code_now
from firmid.testing.factories import set_level
from firmid.testing.signin import ENROL, HOME, past_recovery_codes, sign_in

ACTIVATE = "/accounts/2fa/totp/activate/"
DEACTIVATE = "/accounts/2fa/totp/deactivate/"
REAUTH_PASSWORD = "/accounts/reauthenticate/"
REAUTH_MFA = "/accounts/2fa/reauthenticate/"


@pytest.fixture
def browser() -> Client:
    """A browser that gets the server's error page, as a real one would, instead of the exception."""
    return Client(raise_request_exception=False)


def assert_clean_503(response) -> None:
    body = response.content.decode()
    assert response.status_code == 503, body[:300]
    assert response["Retry-After"]
    assert "Traceback" not in body and "audit down" not in body


def audit_rows(user: User, action: str) -> int:
    return AuditEvent.objects.filter(subject=user, action=action).count()


def test_factor_added_at_sign_in_when_audit_write_fails_is_not_stored(
    browser, alice, password, failing_audit, frozen_clock
) -> None:
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    assert sign_in(browser, alice.email, password).url == ENROL
    secret = re.search(r'id="totp-key">([A-Z2-7]+)<', browser.get(ENROL).content.decode()).group(1)
    with failing_audit("mfa_factor_added"):
        response = browser.post(ENROL, {"code": code_now(secret)})
    assert_clean_503(response)
    assert not Authenticator.objects.filter(user=alice).exists()
    assert audit_rows(alice, "mfa_factor_added") == 0
    # The audit log works again: the same key, with its next code, sets the factor up.
    frozen_clock.advance(30)
    response = past_recovery_codes(browser, browser.post(ENROL, {"code": code_now(secret)}))
    assert response.status_code == 302 and response.url == HOME
    assert Authenticator.objects.filter(user=alice, type="totp").count() == 1
    assert audit_rows(alice, "mfa_factor_added") == 1


def _signed_in_and_reauthenticated(browser: Client, user: User, password: str) -> None:
    assert sign_in(browser, user.email, password).url == HOME
    browser.post(REAUTH_PASSWORD, {"password": password})


def test_factor_added_from_my_account_when_audit_write_fails_is_not_stored(
    browser, alice, password, failing_audit, frozen_clock
) -> None:
    _signed_in_and_reauthenticated(browser, alice, password)
    secret = browser.get(ACTIVATE).context["form"].secret
    with failing_audit("mfa_factor_added"):
        response = browser.post(ACTIVATE, {"code": code_now(secret)})
    assert_clean_503(response)
    assert not Authenticator.objects.filter(user=alice).exists()
    assert audit_rows(alice, "mfa_factor_added") == 0
    frozen_clock.advance(30)
    response = browser.post(ACTIVATE, {"code": code_now(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=alice, type="totp").count() == 1
    assert audit_rows(alice, "mfa_factor_added") == 1


def test_factor_removed_from_my_account_when_audit_write_fails_is_kept(
    browser, alice, password, failing_audit, frozen_clock
) -> None:
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(alice, secret)
    sign_in(browser, alice.email, password)
    assert browser.post("/accounts/2fa/authenticate/", {"code": code_now(secret)}).url == HOME
    frozen_clock.advance(30)
    browser.post(REAUTH_MFA, {"code": code_now(secret)})  # removing a factor is confirmed with it
    mail.outbox.clear()
    with failing_audit("mfa_factor_removed"):
        response = browser.post(DEACTIVATE)
    assert_clean_503(response)
    assert Authenticator.objects.filter(user=alice, type="totp").exists()
    assert audit_rows(alice, "mfa_factor_removed") == 0
    assert not mail.outbox  # no "authenticator removed" mail for a removal that did not happen
    response = browser.post(DEACTIVATE)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=alice).exists()
    assert audit_rows(alice, "mfa_factor_removed") == 1


def test_mfa_level_set_on_the_command_line_when_audit_write_fails_is_not_saved(
    alice, make_agent, failing_audit
) -> None:
    agent = make_agent(2)
    arguments = [
        "--firm",
        alice.firm.name,
        "--user-type",
        "practitioners",
        "--level",
        "mandatory",
        "--actor",
        agent.email,
    ]
    with failing_audit("mfa_level_changed"), pytest.raises(AuditUnavailable):
        call_command("set_mfa_level", *arguments, stdout=None)
    assert not FirmMfaLevel.objects.filter(firm=alice.firm, level="mandatory").exists()


def test_totp_key_rotation_when_audit_write_fails_keeps_every_secret_as_it_was(alice, failing_audit) -> None:
    TOTP.activate(alice, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    before = list(Authenticator.objects.values_list("pk", "data"))
    with failing_audit("mfa_keys_rotated"), pytest.raises(AuditUnavailable):
        totp_secrets_rotate()
    assert list(Authenticator.objects.values_list("pk", "data")) == before


@pytest.mark.django_db(transaction=True)
def test_factor_held_before_its_audit_row_is_invisible_to_everyone_else(alice, password) -> None:
    # PostgreSQL holds the audit row's insert: a worker killed now would lose both, not one.
    if connection.vendor != "postgresql":
        pytest.skip("pg_sleep in a trigger: PostgreSQL only")
    set_level(alice.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    browser = Client()
    sign_in(browser, alice.email, password)
    secret = re.search(r'id="totp-key">([A-Z2-7]+)<', browser.get(ENROL).content.decode()).group(1)
    answers: list[int] = []

    def enrol() -> None:
        try:
            answers.append(browser.post(ENROL, {"code": code_now(secret)}).status_code)
        finally:
            connections.close_all()

    with inserts_paused(table=AuditEvent._meta.db_table, seconds=1.5, when="NEW.action = 'mfa_factor_added'") as held:
        enrolling = threading.Thread(target=enrol)
        enrolling.start()
        assert held(10)
        assert not Authenticator.objects.filter(user=alice).exists()
        enrolling.join()
    assert answers == [302]
    assert Authenticator.objects.filter(user=alice, type="totp").count() == 1  # with its recovery codes
    assert audit_rows(alice, "mfa_factor_added") == 1
