from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from firmid.core.cli import TranslatedCommand
from firmid.mfa.levels.reminders import REMINDER_DAYS, ReminderSummary, send_mfa_reminders
from firmid.mfa.management.commands._cli import days_text


class Command(TranslatedCommand):
    help = (
        "Email the MFA set-up reminders due now (7 days and 1 day before a firm's Mandatory date), each at "
        "most once per user. Idempotent: run it hourly from cron. Each email is in its recipient's language."
    )

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(summary_text(send_mfa_reminders()))


def summary_text(summary: ReminderSummary) -> str:
    """What a run did, for the person (or the cron mail) reading it."""
    sent = ", ".join(
        ngettext("%(count)d sent %(lead)s before", "%(count)d sent %(lead)s before", summary.sent[days])
        % {"count": summary.sent[days], "lead": days_text(days)}
        for days in sorted(summary.sent, reverse=True)
    )
    rollouts = ngettext(
        "%(count)d rollout within %(days)d days", "%(count)d rollouts within %(days)d days", summary.rollouts
    ) % {"count": summary.rollouts, "days": max(REMINDER_DAYS)}
    return _("MFA reminders: %(sent)s, for %(rollouts)s; %(taken)d already taken by another run.") % {
        "sent": sent,
        "rollouts": rollouts,
        "taken": summary.taken_by_another_run,
    }
