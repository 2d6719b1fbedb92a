"""Rollout reminders: before a type's Mandatory date, email the users who would still have to set MFA up.

Meant to run hourly from cron. Each such user gets the 7-day reminder once (sent from 7
days before until the last day) and the 1-day one once (within the last day); a first run
inside the last day sends only the 1-day one. The user's `EnrolmentReminder` row is the
claim, written in the same transaction as the audit row and the email: a concurrent run
that loses the race meets the unique constraint (IntegrityError) and sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from firmid.accounts.language import language_of
from firmid.accounts.models import ROLES_OF_TYPE, User
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core import clock
from firmid.core.app_settings import core_settings
from firmid.core.mail import send_templated
from firmid.mfa.levels.inputs import METHOD_ORDER
from firmid.mfa.models import EnrolmentReminder, FirmMfaLevel
from firmid.mfa.selectors import parse_allowed_methods, policy_input_of, with_mfa_snapshot
from firmid.policy import MfaLevel, UserType, decide
from firmid.sso.models import SsoConnection

# Days before the date, the shortest first: the window a reminder belongs to ends where the next begins.
REMINDER_DAYS = (1, 7)


@dataclass
class ReminderSummary:
    """What a run did: reminders sent per lead time, rollouts looked at, and races lost to another run."""

    sent: dict[int, int] = field(default_factory=lambda: dict.fromkeys(REMINDER_DAYS, 0))
    rollouts: int = 0
    taken_by_another_run: int = 0

    def __str__(self) -> str:
        sent = ", ".join(
            f"{self.sent[d]} sent {d} day{'s' if d > 1 else ''} before" for d in sorted(self.sent, reverse=True)
        )
        return (
            f"MFA reminders: {sent}, for {self.rollouts} rollout{'s' if self.rollouts != 1 else ''} within "
            f"{max(REMINDER_DAYS)} days; {self.taken_by_another_run} already taken by another run."
        )


def send_mfa_reminders() -> ReminderSummary:
    """Email every reminder due now, at most once each per user, deadline and lead time."""
    now = clock.now()
    summary = ReminderSummary()
    for rollout in _rollouts_within_reach(now):
        days_before = lead_time(rollout.mandatory_from - now)
        summary.rollouts += 1
        for user in _users_to_remind(rollout=rollout, days_before=days_before):
            if remind(user=user, rollout=rollout, days_before=days_before):
                summary.sent[days_before] += 1
            else:
                summary.taken_by_another_run += 1
    return summary


def lead_time(left: timedelta) -> int:
    """Which reminder is due with `left` until the date: 1 within the last day, else 7."""
    return next(days for days in REMINDER_DAYS if left <= timedelta(days=days))


def _rollouts_within_reach(now: datetime) -> Iterator[FirmMfaLevel]:
    """The firm types Mandatory from a date within 7 days; a type under SSO is its provider's business."""
    sso = SsoConnection.objects.filter(firm_id=OuterRef("firm_id"), user_type=OuterRef("user_type"), enabled=True)
    rows = FirmMfaLevel.objects.filter(
        level=MfaLevel.MANDATORY.value,
        mandatory_from__gt=now,
        mandatory_from__lte=now + timedelta(days=max(REMINDER_DAYS)),
    )
    return rows.exclude(Exists(sso)).select_related("firm").order_by("mandatory_from", "pk").iterator()


def _users_to_remind(*, rollout: FirmMfaLevel, days_before: int) -> Iterator[User]:
    """Active users of the type not reminded yet who, on the day, would have to set MFA up."""
    reminded = EnrolmentReminder.objects.filter(
        user_id=OuterRef("pk"), deadline=rollout.mandatory_from, days_before=days_before
    )
    users = User.objects.filter(
        firm_id=rollout.firm_id, role__in=ROLES_OF_TYPE[UserType(rollout.user_type)], is_active=True
    ).exclude(Exists(reminded))
    for user in with_mfa_snapshot(users).order_by("pk").iterator(chunk_size=500):
        # What they will face on the day: the rollout no longer pending.
        if decide(replace(policy_input_of(user), rollout_pending=False)).must_enroll:
            yield user


def remind(*, user: User, rollout: FirmMfaLevel, days_before: int) -> bool:
    """Claim, audit and send one reminder; False if it was sent already (another run won the race)."""
    try:
        with transaction.atomic():
            EnrolmentReminder.objects.create(
                user=user, deadline=rollout.mandatory_from, days_before=days_before, sent_at=clock.now()
            )
            audit_record(
                action=AuditAction.MFA_REMINDER_SENT,
                subject=user,
                firm=rollout.firm,
                user_type=rollout.user_type,
                new_value=f"{rollout.mandatory_from:%Y-%m-%d}",
                detail=f"{days_before} day{'s' if days_before > 1 else ''} before Mandatory",
            )
            # Inside the transaction: a refused email leaves no claim, and the next run tries again.
            _send_reminder(user=user, rollout=rollout, days_before=days_before)
    except IntegrityError:
        return False
    return True


def _to_add(allowed: frozenset[str]) -> str:
    """What the user needs for the kinds their firm allows, as the email says it (in its language)."""
    kinds = {k for k in METHOD_ORDER if k in allowed}
    if kinds == {"totp", "webauthn"}:
        return _(
            "an authenticator app on your phone (such as Google or Microsoft Authenticator) "
            "or a passkey or a security key"
        )
    if kinds == {"webauthn"}:
        return _("a passkey or a security key")
    return _("an authenticator app on your phone (such as Google or Microsoft Authenticator)")


# Written as the email is rendered: in the recipient's language.
_to_add_lazily = lazy(_to_add, str)


def _send_reminder(*, user: User, rollout: FirmMfaLevel, days_before: int) -> None:
    context = {
        "user": user,
        "firm": rollout.firm,
        "deadline": rollout.mandatory_from,
        "days_before": days_before,
        "to_add": _to_add_lazily(parse_allowed_methods(rollout.allowed_methods)),
        "sign_in_url": core_settings.ISSUER.rstrip("/") + reverse("account_login"),
        "my_account_url": core_settings.ISSUER.rstrip("/") + reverse("myaccount:home"),
    }
    send_templated("mfa_reminder", user.email, context, language=language_of(user))
