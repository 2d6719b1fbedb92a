"""The factor lifecycle's e-mails, received by a real SMTP server on loopback (aiosmtpd).

Each test commits for real (transactional database): the e-mails sent once a change is
committed are sent here too, and cross a socket as they would to a mail server.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command

from firmid.accounts.models import Role
from firmid.audit.actions import AuditAction
from firmid.core import clock
from firmid.mfa.factors.recovery_codes import flows as recovery
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.services import user_reset_mfa
from firmid.policy import UserType
from firmid.testing.codes import code_now
from firmid.testing.factories import give_factor
from firmid.testing.signin import HOME, MFA, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_recovery_code_used_is_emailed_with_the_codes_left(smtp, make_user) -> None:
    user = make_user(role=Role.STANDARD_CLIENT, email="rita@example.test")
    give_factor(user)
    plain = recovery.recovery_codes_issue(user=user, request=None)
    recovery.use_recovery_code(user=user, raw_code=plain[0], request=None, purpose=AuditAction.MFA_SIGN_IN)
    used = [m for m in smtp.to("rita@example.test") if "recovery code" in m.subject.lower() and "used" in m.subject]
    assert len(used) == 1
    assert "9" in used[0].body


def test_the_lost_device_request_is_confirmed_to_the_user(smtp, client, make_user, password) -> None:
    user = make_user(role=Role.STANDARD_CLIENT, email="lou@example.test")
    give_factor(user)
    assert sign_in(client, user.email, password).url == MFA
    assert client.post("/accounts/2fa/lost-device/").status_code == 200
    [confirmation] = [m for m in smtp.to("lou@example.test") if "support" in m.body.lower()]
    assert confirmation.recipients == ["lou@example.test"]


def test_the_reminder_before_a_mandatory_date_reaches_the_user(smtp, make_user, frozen_clock) -> None:
    user = make_user(role=Role.PRACTITIONER, email="remy@example.test")
    deadline = (clock.now() + timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)
    FirmMfaLevel.objects.create(
        firm=user.firm, user_type=UserType.PRACTITIONERS.value, level="mandatory", mandatory_from=deadline
    )
    frozen_clock.advance((deadline - timedelta(days=7) - clock.now()).total_seconds() + 60)
    call_command("send_mfa_reminders", stdout=io.StringIO())
    [reminder] = smtp.to("remy@example.test")
    assert user.firm.name in reminder.body
    assert str(deadline.year) in reminder.body


def test_supports_set_up_link_is_mailed_and_works_once(smtp, client, make_user, make_agent, password) -> None:
    user = make_user(role=Role.STANDARD_CLIENT, email="sam@example.test")
    give_factor(user)
    user_reset_mfa(actor=make_agent(2), user=user, reason="Lost phone, identity checked", send_setup_link=True)
    [mail] = [m for m in smtp.to("sam@example.test") if "/accounts/security/setup-link/" in m.body]
    path = re.search(r"https?://[^/\s]+(/accounts/security/setup-link/\S+/)", mail.body).group(1)
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    assert client.post(path).status_code in (404, 410)


def test_replacing_the_authenticator_app_is_emailed(smtp, client, make_user, password, frozen_clock) -> None:
    user = make_user(role=Role.STANDARD_CLIENT, email="ray@example.test")
    secret = give_factor(user)
    assert sign_in(client, user.email, password, totp_secret=secret).url == HOME
    frozen_clock.advance(30)
    new_secret = client.get("/accounts/2fa/totp/replace/").context["secret"]
    assert client.post("/accounts/2fa/totp/replace/", {"code": code_now(new_secret)}).url == HOME
    assert [m.subject for m in smtp.to("ray@example.test") if "replaced" in m.subject.lower()]
