"""The audit trail as support reads it: its filters, its rows as sentences, its CSV lines.

The Administration application's audit pages (a firm's trail, a user's History tab) are
built from this: every word they show is here, in firmid/audit's catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from django import forms
from django.db.models import Q, QuerySet
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.audit.sentences import ACTION_GROUPS, ACTION_LABELS, actor_phrase, outcome_label, sentence
from firmid.audit.services import audit_record

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.tenancy.models import Firm

GROUP = "group:"
PERSON_MAX = 254

# What the audit pages say around the rows (the templates hold no words of their own).
TEXT: dict[str, Promise] = {
    "audit_trail": gettext_lazy("Audit trail"),
    "history": gettext_lazy("History"),
    "login": gettext_lazy("Login"),
    "user_tabs": gettext_lazy("Authentication and security"),
    "filters": gettext_lazy("Filter the events"),
    "filter": gettext_lazy("Filter"),
    "clear": gettext_lazy("Clear the filters"),
    "export": gettext_lazy("Export CSV"),
    "export_note": gettext_lazy("The export holds every event these filters keep, and is recorded in the audit trail."),
    "when": gettext_lazy("When"),
    "what": gettext_lazy("What happened"),
    "outcome": gettext_lazy("Outcome"),
    "address": gettext_lazy("IP address"),
    "none_yet": gettext_lazy("No event has been recorded yet."),
    "none_match": gettext_lazy("No event matches these filters."),
    "invalid": gettext_lazy("The filters could not be used: correct them below."),
    "history_intro": gettext_lazy("What this user did, and what was done to their account, newest first."),
}


def _action_choices() -> list:
    choices: list = [("", gettext_lazy("Every event"))]
    for key, name, actions in ACTION_GROUPS:
        options = [(GROUP + key, _every(name))]
        options += [(action.value, ACTION_LABELS[action]) for action in actions]
        choices.append((name, options))
    return choices


def _every(name: Promise) -> str:
    return _("All: %(group)s") % {"group": name}


class TrailFilterForm(forms.Form):
    """The filters of an audit page: an action or group of actions, a person, a range of days (UTC)."""

    action = forms.ChoiceField(label=gettext_lazy("Event"), required=False, choices=_action_choices)
    person = forms.CharField(
        label=gettext_lazy("Person"),
        required=False,
        max_length=PERSON_MAX,
        help_text=gettext_lazy("A name or an email address: who acted, or whose account it was."),
    )

    def __init__(self, data: object = None, *, with_person: bool = True) -> None:
        super().__init__(data)
        if not with_person:
            del self.fields["person"]
        # "from" and "to" are the parameters' names: not Python names, hence added here.
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(
            label=pgettext_lazy("date range", "From"), required=False, widget=date_input
        )
        self.fields["to"] = forms.DateField(label=pgettext_lazy("date range", "To"), required=False, widget=date_input)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and end < start:
            self.add_error("to", _("The end date is before the start date."))
        return data

    @property
    def used(self) -> dict[str, str]:
        """The filters given (valid ones), as the page's parameters: what the CSV link and the audit row carry."""
        if not self.is_valid():
            return {}
        used = {}
        for name in ("action", "person", "from", "to"):
            value = self.cleaned_data.get(name)
            if value:
                used[name] = value.isoformat() if isinstance(value, date) else str(value).strip()
        return {name: value for name, value in used.items() if value}

    def filtered(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """`events` as these (valid) filters keep them."""
        data = self.cleaned_data
        action = data.get("action") or ""
        if action.startswith(GROUP):
            key = action.removeprefix(GROUP)
            actions = next(group_actions for group, _name, group_actions in ACTION_GROUPS if group == key)
            events = events.filter(action__in=actions)
        elif action:
            events = events.filter(action=action)
        person = (data.get("person") or "").strip()
        if person:
            events = events.filter(
                Q(actor_email__icontains=person)
                | Q(subject_email__icontains=person)
                | Q(actor__full_name__icontains=person)
                | Q(subject__full_name__icontains=person)
                # Sign-ins that named no account keep the address typed ("as …", or the provider's).
                | Q(action=AuditAction.SIGN_IN_PASSWORD, detail__icontains=person)
                | Q(action=AuditAction.SSO_SIGN_IN, new_value__icontains=person)
            )
        if data.get("from"):
            events = events.filter(at__gte=datetime.combine(data["from"], time.min, tzinfo=UTC))
        if data.get("to"):
            events = events.filter(at__lte=datetime.combine(data["to"], time.max, tzinfo=UTC))
        return events


def events_with_people(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """The events with who acted and whom it concerned, read in the same query (no query per row)."""
    return events.select_related("actor", "subject")


@dataclass(frozen=True)
class TrailRow:
    """One event as a page shows it."""

    event: AuditEvent
    sentence: str
    when: str
    outcome: str
    outcome_label: str

    @property
    def iso(self) -> str:
        return iso_utc(self.event.at)

    @property
    def subject_page(self) -> object | None:
        """The public id of the firm user the event concerns, for a link to their page (None: no page)."""
        subject = self.event.subject if self.event.subject_id else None
        return subject.public_id if subject is not None and subject.firm_id else None


def readable(event: AuditEvent) -> TrailRow:
    """The event in the active language: a sentence, its time, its outcome."""
    return TrailRow(
        event=event,
        sentence=sentence(event),
        when=when_text(event.at),
        outcome=event.outcome,
        outcome_label=outcome_label(event.outcome),
    )


def when_text(moment: datetime) -> str:
    """A time as the language writes it, in UTC (the site's zone): "2 décembre 2026 14:05 UTC"."""
    return _("%(time)s UTC") % {"time": formats.date_format(moment.astimezone(UTC), "DATETIME_FORMAT")}


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def count_text(count: int) -> str:
    return ngettext("%(count)s event", "%(count)s events", count) % {"count": formats.number_format(count)}


# --- CSV --------------------------------------------------------------------------------------


def csv_header() -> tuple[str, ...]:
    return (
        _("Time (UTC, ISO 8601)"),
        _("Actor"),
        _("Action code"),
        _("What happened"),
        _("Outcome"),
        _("IP address"),
        _("Subject"),
    )


def csv_cells(event: AuditEvent) -> tuple[str, ...]:
    """One event's CSV cells: time, actor, action code, sentence (active language), outcome, IP, subject.

    Not yet neutralised for spreadsheets: the caller passes the text cells through its safe_cell.
    """
    return (
        iso_utc(event.at),
        event.actor_email or actor_phrase(event, with_level=False),
        event.action,
        sentence(event),
        event.outcome,
        event.ip_address or "",
        event.subject_email,
    )


def export_record(*, actor: object, firm: Firm, used: dict[str, str], request: HttpRequest | None) -> None:
    """Audit an export of a firm's audit trail, with its filters: before its first byte is sent."""
    # A person typed with "," or "=" would read as two filters: those become spaces.
    filters = ", ".join(f"{name}={_plain(value)}" for name, value in used.items()) or "no filter"
    audit_record(
        action=AuditAction.AUDIT_EXPORTED,
        actor=actor,
        firm=firm,
        request=request,
        detail=f"CSV export ({filters})"[:255],
    )


def _plain(value: str) -> str:
    return " ".join(value.replace(",", " ").replace("=", " ").split())


def iter_events(events: QuerySet[AuditEvent]) -> Iterator[AuditEvent]:
    """Every event of `events` with its people, read in chunks (an export may hold many)."""
    return events_with_people(events).iterator(chunk_size=500)
