"""Rollout reminders: 7 days and 1 day before a Mandatory date, once each, to those who would be blocked."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.management import call_command
from django.utils.formats import date_format

from firmid.accounts.models import Role, User
from firmid.audit.models import AuditEvent
from firmid.core import clock
from firmid.mfa.levels.inputs import start_of_day
from firmid.mfa.levels.reminders import lead_time, remind, send_mfa_reminders
from firmid.mfa.models import EnrolmentReminder, FirmMfaLevel
from firmid.policy import UserType
from firmid.tenancy.services import firm_create
from firmid.testing.concurrency import race
from firmid.testing.factories import activate, connect_sso, give_factor, user_make

DAY = 86400


@pytest.mark.parametrize(
    ("left", "due"),
    [
        (timedelta(days=7), 7),
        (timedelta(days=6, hours=23), 7),
        (timedelta(days=1, seconds=1), 7),
        (timedelta(days=1), 1),
        (timedelta(hours=2), 1),
        (timedelta(seconds=1), 1),
    ],
)
def test_the_reminder_due_depends_on_the_time_left(left, due) -> None:
    assert lead_time(left) == due


class Rollout:
    """A firm whose practitioners and clients are Mandatory from midnight 10 days ahead; clients under SSO."""

    def __init__(self) -> None:
        self.firm = firm_create(name="Reminder Firm")
        self.deadline = start_of_day((clock.now() + timedelta(days=10)).date())
        for user_type in (UserType.PRACTITIONERS, UserType.CLIENTS):
            FirmMfaLevel.objects.create(
                firm=self.firm, user_type=user_type.value, level="mandatory", mandatory_from=self.deadline
            )
        self.alice = self.user(1, email="alice@reminder.test")
        self.enrolled = self.user(2)
        give_factor(self.enrolled)
        self.disabled = self.user(3)
        User.objects.filter(pk=self.disabled.pk).update(is_active=False)
        self.activated = self.user(4)
        activate(self.activated)
        self.client_user = self.user(5, role=Role.STANDARD_CLIENT)
        connect_sso(self.firm, UserType.CLIENTS)

    def user(self, n: int, role: str = Role.PRACTITIONER, email: str | None = None) -> User:
        return user_make(number=n, role=role, firm=self.firm, email=email)

    def days_before(self, days: float) -> datetime:
        return self.deadline - timedelta(days=days)


@pytest.fixture
def rollout(db) -> Rollout:
    return Rollout()


def move_to(frozen_clock, moment: datetime) -> None:
    frozen_clock.advance((moment - clock.now()).total_seconds())


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_reminders_at_8_days_7_days_again_and_1_day(rollout, frozen_clock) -> None:
    alice, activated = rollout.alice, rollout.activated
    move_to(frozen_clock, rollout.days_before(8))
    assert str(send_mfa_reminders()).startswith(
        "MFA reminders: 0 sent 7 days before, 0 sent 1 day before, for 0 rollouts"
    )
    assert mail.outbox == []

    move_to(frozen_clock, rollout.days_before(7))
    summary = send_mfa_reminders()
    # Users of the SSO type, enrolled or disabled users get none.
    assert recipients() == sorted([alice.email, activated.email])
    assert (summary.sent, summary.rollouts) == ({7: 2, 1: 0}, 1)
    message = next(m for m in mail.outbox if m.to == [alice.email])
    day = date_format(rollout.deadline, "DATE_FORMAT")
    assert message.subject.endswith(f"Reminder Firm requires multi-factor authentication from {day}")
    assert f"Reminder Firm requires multi-factor authentication (MFA) from {day}, in 7 days." in message.body
    assert "sign in at http://" in message.body and "/accounts/login/" in message.body
    assert "open My account at http://" in message.body and "/my-account/" in message.body
    assert "you may still choose Activate later" in message.body

    frozen_clock.advance(3600)  # the next hourly run, the same day: nothing again
    assert send_mfa_reminders().sent == {7: 0, 1: 0}
    move_to(frozen_clock, rollout.days_before(3))
    assert send_mfa_reminders().sent == {7: 0, 1: 0} and len(mail.outbox) == 2

    move_to(frozen_clock, rollout.days_before(1) + timedelta(hours=1))
    assert send_mfa_reminders().sent == {7: 0, 1: 2}
    last = [m for m in mail.outbox[2:] if m.to == [alice.email]]
    assert len(last) == 1 and last[0].subject.endswith("Tomorrow: Reminder Firm requires multi-factor authentication")
    assert "that is tomorrow" in last[0].body
    frozen_clock.advance(3600)
    assert send_mfa_reminders().sent == {7: 0, 1: 0}

    move_to(frozen_clock, rollout.deadline + timedelta(hours=1))  # the day: no more reminders
    assert send_mfa_reminders().rollouts == 0
    assert len(mail.outbox) == 4
    reminders = EnrolmentReminder.objects.filter(user=alice).order_by("days_before")
    assert list(reminders.values_list("days_before", "deadline")) == [(1, rollout.deadline), (7, rollout.deadline)]


def test_each_reminder_is_audited_for_its_user(rollout, frozen_clock) -> None:
    move_to(frozen_clock, rollout.days_before(7))
    send_mfa_reminders()
    event = AuditEvent.objects.get(action="mfa_reminder_sent", subject=rollout.alice)
    assert (event.firm, event.user_type, event.new_value, event.detail, event.actor) == (
        rollout.firm,
        "practitioners",
        f"{rollout.deadline:%Y-%m-%d}",
        "7 days before Mandatory",
        None,
    )
    assert AuditEvent.objects.filter(action="mfa_reminder_sent").count() == 2


def test_a_first_run_within_the_last_day_sends_only_the_1_day_reminder(rollout, frozen_clock) -> None:
    move_to(frozen_clock, rollout.days_before(0.5))
    assert send_mfa_reminders().sent == {7: 0, 1: 2}
    assert not EnrolmentReminder.objects.filter(days_before=7).exists()


def test_a_user_whose_only_factor_is_not_allowed_is_reminded(rollout, frozen_clock) -> None:
    FirmMfaLevel.objects.filter(firm=rollout.firm, user_type="practitioners").update(allowed_methods="webauthn")
    give_factor(rollout.alice)  # an authenticator app: no longer allowed
    give_factor(rollout.enrolled, Authenticator.Type.WEBAUTHN)
    move_to(frozen_clock, rollout.days_before(7))
    send_mfa_reminders()
    assert rollout.alice.email in recipients() and rollout.enrolled.email not in recipients()


def test_a_reminder_already_claimed_is_not_sent_twice(rollout, frozen_clock) -> None:
    move_to(frozen_clock, rollout.days_before(7))
    row = FirmMfaLevel.objects.select_related("firm").get(firm=rollout.firm, user_type="practitioners")
    assert remind(user=rollout.alice, rollout=row, days_before=7) is True
    # A concurrent run that read the user before the claim meets the unique constraint.
    assert remind(user=rollout.alice, rollout=row, days_before=7) is False
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="mfa_reminder_sent").count() == 1


def test_a_refused_email_leaves_no_claim_and_the_next_run_sends_it(rollout, frozen_clock, monkeypatch) -> None:
    move_to(frozen_clock, rollout.days_before(7))

    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("SMTP down")

    with monkeypatch.context() as patched:
        patched.setattr("firmid.core.mail.send_mail", refuse)
        with pytest.raises(ConnectionRefusedError):
            send_mfa_reminders()
    assert not EnrolmentReminder.objects.exists()
    assert not AuditEvent.objects.filter(action="mfa_reminder_sent").exists()
    assert send_mfa_reminders().sent[7] == 2


def test_the_command_prints_a_summary(rollout, frozen_clock) -> None:
    move_to(frozen_clock, rollout.days_before(7))
    out = StringIO()
    call_command("send_mfa_reminders", stdout=out)
    assert out.getvalue().strip() == (
        "MFA reminders: 2 sent 7 days before, 0 sent 1 day before, for 1 rollout within 7 days; "
        "0 already taken by another run."
    )


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(frozen_clock) -> None:
    firm = firm_create(name="Race Reminders")
    deadline = clock.now() + timedelta(days=5)
    FirmMfaLevel.objects.create(firm=firm, user_type="practitioners", level="mandatory", mandatory_from=deadline)
    users = [user_make(number=n, firm=firm) for n in range(5)]
    summaries = race(3, send_mfa_reminders)
    assert sum(s.sent[7] for s in summaries) == 5
    assert sorted(recipients()) == sorted(u.email for u in users)
    assert EnrolmentReminder.objects.count() == 5


def test_firms_without_a_rollout_get_nothing(make_user, frozen_clock) -> None:
    user = make_user()
    FirmMfaLevel.objects.create(firm=user.firm, user_type="practitioners", level="mandatory")
    FirmMfaLevel.objects.create(firm=firm_create(name="Suggested"), user_type="practitioners", level="suggested")
    assert send_mfa_reminders().rollouts == 0 and mail.outbox == []
