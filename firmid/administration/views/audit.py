"""The audit trail as sentences: a firm's (filterable, exportable as CSV) and a user's History tab.

The words are firmid/audit's (firmid.audit.trail, firmid.audit.sentences): this module
only gates, filters, pages and streams.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from urllib.parse import urlencode
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from firmid.accounts.selectors import firm_user_get, user_kind_of
from firmid.administration.decorators import administration_view
from firmid.administration.views.common import paginate
from firmid.administration.views.coverage import safe_cell
from firmid.administration.views.uncovered import LINES_PER_CHUNK, _Line
from firmid.audit import trail
from firmid.audit.models import AuditEvent
from firmid.audit.selectors import audit_events_of_firm, audit_events_of_user
from firmid.tenancy.selectors import firm_get

EVENTS_PER_PAGE = 50


@administration_view
@require_GET
def firm_audit(request: HttpRequest, pk: int) -> HttpResponse:
    firm = firm_get(pk=pk)
    form = trail.TrailFilterForm(request.GET)
    return _trail_page(request, "administration/firm_audit.html", audit_events_of_firm(firm=firm), form, firm=firm)


@administration_view
@require_GET
def firm_audit_csv(request: HttpRequest, pk: int) -> HttpResponse:
    firm = firm_get(pk=pk)
    form = trail.TrailFilterForm(request.GET)
    events = audit_events_of_firm(firm=firm)
    if not form.is_valid():
        return _trail_page(request, "administration/firm_audit.html", events, form, firm=firm)
    # Recorded before the first byte: an export the audit log cannot record is not made.
    trail.export_record(actor=request.user, firm=firm, used=form.used, request=request)
    lines = _csv_lines(form.filtered(events), translation.get_language())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-firm-{firm.pk}.csv"'
    return response


@administration_view
@require_GET
def user_history(request: HttpRequest, public_id: UUID) -> HttpResponse:
    # As the user's Login tab: any support agent, firm users only (never an agent's page).
    subject = firm_user_get(public_id=public_id)
    form = trail.TrailFilterForm(request.GET, with_person=False)
    context = {"subject": subject, "section": user_kind_of(subject).value}
    return _trail_page(request, "administration/user_history.html", audit_events_of_user(user=subject), form, **context)


def _trail_page(
    request: HttpRequest, template: str, events: QuerySet[AuditEvent], form: trail.TrailFilterForm, **context: object
) -> HttpResponse:
    """The events the filters keep, a page of them as sentences; invalid filters: the form with its errors (400)."""
    context = {"form": form, "text": trail.TEXT, "section": "firms", **context}
    if not form.is_valid():
        return render(request, template, {**context, "page": None}, status=400)
    page = paginate(request, trail.events_with_people(form.filtered(events)), EVENTS_PER_PAGE)
    page.object_list = [trail.readable(event) for event in page.object_list]
    context |= {
        "page": page,
        "count": trail.count_text(page.paginator.count),
        "filtered": bool(form.used),
        "csv_params": urlencode(form.used),
    }
    return render(request, template, context)


def _csv_lines(events: QuerySet[AuditEvent], language: str) -> Iterator[str]:
    """The CSV text in the agent's language, LINES_PER_CHUNK lines a chunk; every text cell made safe."""
    with translation.override(language):
        writer = csv.writer(_Line())
        chunk = ["\ufeff", writer.writerow(trail.csv_header())]  # the BOM: Excel then reads UTF-8
        for event in trail.iter_events(events):
            time, *cells = trail.csv_cells(event)
            chunk.append(writer.writerow((time, *(safe_cell(cell) for cell in cells))))
            if len(chunk) >= LINES_PER_CHUNK:
                yield "".join(chunk)
                chunk = []
        yield "".join(chunk)
