"""Who is not covered: a firm's users without MFA, as a page and as a CSV export for auditors."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from firmid.administration.decorators import administration_view
from firmid.administration.views.common import paginate
from firmid.administration.views.coverage import level_label, safe_cell
from firmid.administration.wording import ROLE_LABELS
from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.mfa.levels.reports import EnrolmentRow, firm_enrolment_report
from firmid.mfa.levels.uncovered import (
    LISTED_STATUSES,
    UncoveredQuery,
    UncoveredUser,
    Verdict,
    firm_level_history,
    firm_uncovered,
    parse_uncovered_query,
    uncovered_export_record,
)
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.labels import label
from firmid.tenancy.models import Firm
from firmid.tenancy.selectors import firm_get

USERS_PER_PAGE = 50
LINES_PER_CHUNK = 500
# The export is read by people (auditors, the firm): headers and labels in the agent's language.
SUMMARY_HEADER = (
    gettext_lazy("User type"),
    gettext_lazy("Level"),
    gettext_lazy("Users"),
    gettext_lazy("Configured"),
    gettext_lazy("Forced (not configured)"),
    gettext_lazy("Suggested (not configured)"),
    gettext_lazy("Not offered"),
)
USERS_HEADER = (
    gettext_lazy("Email"),
    gettext_lazy("Name"),
    gettext_lazy("Role"),
    gettext_lazy("User type"),
    gettext_lazy("Status"),
    gettext_lazy("Level"),
    gettext_lazy("Why"),
    gettext_lazy("MFA activated by support"),
    gettext_lazy("Factor no longer allowed"),
    gettext_lazy("Last sign-in (UTC)"),
)
HISTORY_HEADER = (
    gettext_lazy("When (UTC)"),
    gettext_lazy("Who"),
    gettext_lazy("What"),
    gettext_lazy("User type"),
    gettext_lazy("From"),
    gettext_lazy("To"),
    gettext_lazy("Detail"),
)


def _query(request: HttpRequest) -> UncoveredQuery:
    return parse_uncovered_query(user_type=request.GET.get("user_type"), status=request.GET.get("status"))


@administration_view
@require_GET
def firm_uncovered_page(request: HttpRequest, pk: int) -> HttpResponse:
    firm = firm_get(pk=pk)
    query = _query(request)
    listed = firm_uncovered(firm=firm, query=query)
    page = paginate(request, listed.users(with_public_id=True), USERS_PER_PAGE)
    page.object_list = [listed.row(values) for values in page.object_list]
    context = {
        "firm": firm,
        "page": page,
        "query": query,
        "csv_params": urlencode(query.as_params()),
        "user_types": list(UserType),
        "statuses": LISTED_STATUSES,
        "sso_rows": [row for row in firm_enrolment_report(firm=firm) if row.managed_by_sso and row.users],
        "section": "firms",
    }
    return render(request, "administration/firm_uncovered.html", context)


@administration_view
@require_GET
def firm_uncovered_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    firm = firm_get(pk=pk)
    query = _query(request)
    # Recorded before the first byte: an export the audit log cannot record is not made.
    uncovered_export_record(actor=request.user, firm=firm, query=query, request=request)
    lines = _csv_lines(firm, query, translation.get_language())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mfa-not-covered-firm-{firm.pk}.csv"'
    return response


class _Line:
    """A file-like object whose write() returns what was written: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(firm: Firm, query: UncoveredQuery, language: str) -> Iterator[str]:
    """The CSV text, in chunks of LINES_PER_CHUNK lines (one chunk per line costs more than the lines).

    Written after the view returned: in the language of the request that asked for it.
    """
    writer = csv.writer(_Line())
    chunk = ["\ufeff"]  # the BOM that makes Excel read UTF-8 (accented names)
    with translation.override(language):
        for line in _sections(firm, query):
            chunk.append(writer.writerow(line))
            if len(chunk) >= LINES_PER_CHUNK:
                yield "".join(chunk)
                chunk = []
    yield "".join(chunk)


def _sections(firm: Firm, query: UncoveredQuery) -> Iterator[tuple]:
    """The three sections of the export: coverage per type, the users listed, the level history."""
    # Cells that hold what someone typed (names, addresses, issuers, audit details) go through
    # safe_cell; the others are firmid's own labels, numbers and dates.
    title = _("MFA coverage of %(firm)s (firm id %(id)s), active users") % {"firm": firm.name, "id": firm.pk}
    yield (safe_cell(title),)
    yield _texts(SUMMARY_HEADER)
    yield from (_summary_cells(row) for row in firm_enrolment_report(firm=firm))
    yield ()
    yield (_("Users listed (%(filters)s)") % {"filters": _filters_text(query)},)
    yield _texts(USERS_HEADER)
    shared: dict[Verdict, tuple] = {}
    yield from (_user_cells(user, shared) for user in firm_uncovered(firm=firm, query=query).rows())
    yield ()
    yield (_("MFA level history"),)
    yield _texts(HISTORY_HEADER)
    yield from (_history_cells(event) for event in firm_level_history(firm=firm).iterator())


def _texts(header: tuple) -> tuple[str, ...]:
    return tuple(str(cell) for cell in header)


def _filters_text(query: UncoveredQuery) -> str:
    """What the export lists: "User type = Practitioners, Status = Forced", or every user without MFA."""
    filters = []
    if query.user_type is not None:
        filters.append(_("User type = %(value)s") % {"value": label(query.user_type)})
    if query.status is not None:
        filters.append(_("Status = %(value)s") % {"value": label(query.status)})
    return ", ".join(filters) or _("every user without MFA")


def _summary_cells(row: EnrolmentRow) -> tuple:
    counts = (row.configured, row.forced_not_configured, row.suggested_not_configured, row.not_offered)
    return (label(row.user_type), level_label(row), row.users, *(("",) * 4 if row.managed_by_sso else counts))


def _user_cells(user: UncoveredUser, shared: dict[Verdict, tuple]) -> tuple:
    cells = shared.get(user.verdict) or shared.setdefault(user.verdict, _verdict_cells(user.verdict))
    last_login = _utc(user.last_login) or _("never")
    role = str(ROLE_LABELS.get(user.role, user.role))
    return (safe_cell(user.email), safe_cell(user.full_name), role, *cells, last_login)


def _verdict_cells(verdict: Verdict) -> tuple:
    """The cells every user with this verdict shares: written once per export."""
    return (
        label(verdict.user_type),
        label(verdict.status),
        verdict.level,
        safe_cell("; ".join(verdict.reasons)),
        _("yes") if verdict.activated else _("no"),
        ", ".join(verdict.disallowed_kinds),
    )


def _history_cells(event: AuditEvent) -> tuple:
    user_type = next((label(t) for t in UserType if t.value == event.user_type), event.user_type)
    return (
        _utc(event.at),
        safe_cell(event.actor_email or _("system")),
        AuditAction(event.action).label,
        user_type,
        safe_cell(_level_label(event.old_value)),
        safe_cell(_level_label(event.new_value)),
        safe_cell(event.detail),
    )


def _level_label(value: str) -> str:
    """A level as people read it ("Upon request"); any other value (an option's) as recorded."""
    return next((label(level) for level in MfaLevel if level.value == value), value)


def _utc(moment: datetime | None) -> str:
    # The database gives UTC datetimes; isoformat is several times faster than strftime.
    return "" if moment is None else moment.isoformat(" ", "seconds")[:19]
