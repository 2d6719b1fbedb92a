"""MFA coverage: who is covered, per firm and user type, as pages and as CSV downloads."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from firmid.administration import forms
from firmid.administration.decorators import administration_view
from firmid.administration.views.common import paginate
from firmid.mfa.levels.reports import (
    EnrolmentRow,
    enrolment_by_firm,
    enrolment_totals,
    firm_enrolment_report,
    platform_enrolment_report,
)
from firmid.policy import Status
from firmid.tenancy.labels import label
from firmid.tenancy.selectors import firm_get

FIRMS_PER_PAGE = 25
# Read by people (auditors, the firm): in the agent's language, like the cells' labels.
CSV_HEADER = (
    _("Firm id"),
    _("Firm"),
    _("User type"),
    _("Level"),
    _("Users"),
    _("Configured"),
    _("Forced (not configured)"),
    _("Suggested (not configured)"),
    _("Not offered"),
    _("Covered (%)"),
)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@administration_view
@require_GET
def firm_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    firm = firm_get(pk=pk)
    context = {"firm": firm, "rows": firm_enrolment_report(firm=firm), "section": "firms"}
    return render(request, "administration/firm_coverage.html", context)


@administration_view
@require_GET
def firm_coverage_csv(request: HttpRequest, pk: int) -> HttpResponse:
    firm = firm_get(pk=pk)
    return csv_download(f"mfa-coverage-firm-{firm.pk}.csv", firm_enrolment_report(firm=firm))


@administration_view
@require_GET
def platform_coverage(request: HttpRequest) -> HttpResponse:
    terms = forms.search_terms(forms.FirmSearchForm(request.GET))
    rows = platform_enrolment_report(query=terms.query)
    # Paginated by firm: a firm's rows stay together on one page.
    page = paginate(request, enrolment_by_firm(rows), FIRMS_PER_PAGE)
    context = {"page": page, "totals": enrolment_totals(rows), "q": terms.query, "section": "coverage"}
    return render(request, "administration/coverage.html", context)


@administration_view
@require_GET
def platform_coverage_csv(request: HttpRequest) -> HttpResponse:
    terms = forms.search_terms(forms.FirmSearchForm(request.GET))
    return csv_download("mfa-coverage.csv", platform_enrolment_report(query=terms.query))


def csv_download(filename: str, rows: Iterable[EnrolmentRow]) -> HttpResponse:
    """Return `rows` as a CSV attachment, a header row first."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # the BOM that makes Excel read UTF-8 (accented firm names)
    writer = csv.writer(response)
    writer.writerow([str(cell) for cell in CSV_HEADER])
    writer.writerows([safe_cell(cell) for cell in _csv_cells(row)] for row in rows)
    return response


def _csv_cells(row: EnrolmentRow) -> tuple:
    percent = "" if row.covered_percent is None else row.covered_percent
    return (
        row.firm_id,
        row.firm_name,
        label(row.user_type),
        level_label(row),
        row.users,
        row.configured,
        row.forced_not_configured,
        row.suggested_not_configured,
        row.not_offered,
        percent,
    )


def level_label(row: EnrolmentRow) -> str:
    """A row's level as people read it; a type under SSO has none: its provider manages MFA."""
    return label(Status.MANAGED_BY_SSO) if row.level is None else label(row.level)


def safe_cell(value: object) -> str:
    """Return `value` as text that no spreadsheet runs as a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
