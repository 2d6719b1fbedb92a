"""What every page of the Administration application shares: errors and pagination."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from firmid.accounts.permissions import can_view_administration
from firmid.core.errors import ServiceError

ERROR_TITLES = {
    400: _("Request refused"),
    403: _("Not allowed"),
    404: _("Not found"),
    409: _("Cannot be done"),
}


def render_error(request: HttpRequest, error: ServiceError) -> HttpResponse:
    """Render a refused request with its message and status, and a way back."""
    staff = can_view_administration(request.user)
    context = {
        "title": ERROR_TITLES.get(error.status, ERROR_TITLES[400]),
        "message": error.message,
        # Only support staff see the Administration application's bar.
        "frame": "administration/layout.html" if staff else "base.html",
        "staff": staff,
        "back": _same_site_referer(request),
    }
    return render(request, "administration/error.html", context, status=error.status)


def _same_site_referer(request: HttpRequest) -> str:
    """The page the agent came from, if it is one of ours (a link back), else ""."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return "" if referer.split("?")[0].endswith(request.path) else referer


def paginate(request: HttpRequest, items: QuerySet, per_page: int) -> Page:
    """Return the page asked for by ?page=; a bad number gives the first or last page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
