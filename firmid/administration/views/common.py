"""What every page of the Administration application shares: errors and pagination."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from firmid.accounts.permissions import can_view_administration
from firmid.core.errors import ServiceError

ERROR_TITLES = {
    400: "Request refused",
    403: "Not allowed",
    404: "Not found",
    409: "Cannot be done",
}


def render_error(request: HttpRequest, error: ServiceError) -> HttpResponse:
    """Render a refused request with its message and status."""
    context = {
        "title": ERROR_TITLES.get(error.status, "Request refused"),
        "message": error.message,
        # Only support staff see the Administration application's bar.
        "frame": "administration/layout.html" if can_view_administration(request.user) else "base.html",
    }
    return render(request, "administration/error.html", context, status=error.status)


def paginate(request: HttpRequest, items: QuerySet, per_page: int) -> Page:
    """Return the page asked for by ?page=; a bad number gives the first or last page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
