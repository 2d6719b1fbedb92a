"""Accounting firm: the firm list, its Authentication and security tab and its audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from firmid.accounts.permissions import can_change_mfa
from firmid.administration import forms
from firmid.administration.decorators import administration_view
from firmid.administration.views.common import paginate
from firmid.audit.selectors import audit_events_of_firm
from firmid.core.errors import ServiceError
from firmid.mfa.levels.selectors import firm_mfa_settings
from firmid.mfa.levels.services import (
    ConfirmationRequired,
    LevelChange,
    firm_set_mfa_levels,
    parse_levels,
    plan_level_changes,
)
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm
from firmid.tenancy.selectors import firm_get, firm_search

FIRMS_PER_PAGE = 25
EVENTS_PER_PAGE = 50
NO_LEVEL_POSTED = "Choose a level for at least one user type."
NOTHING_TO_SAVE = "Nothing to save: the levels are unchanged."


@administration_view
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return redirect("administration:firms")


@administration_view
@require_GET
def firm_list(request: HttpRequest) -> HttpResponse:
    terms = forms.search_terms(forms.FirmSearchForm(request.GET))
    page = paginate(request, firm_search(query=terms.query), FIRMS_PER_PAGE)
    return render(request, "administration/firm_list.html", {"page": page, "q": terms.query, "section": "firms"})


@administration_view
@require_http_methods(["GET", "POST"])
def firm_security(request: HttpRequest, pk: int) -> HttpResponse:
    firm = firm_get(pk=pk)
    if request.method == "POST":
        return _save_levels(request, firm)
    settings = firm_mfa_settings(firm=firm)
    context = {
        "firm": firm,
        "mfa_settings": settings,
        # Each type with the name of its form field.
        "type_fields": [(setting, forms.level_field(setting.user_type)) for setting in settings.types],
        "levels": list(MfaLevel),
        "can_change": can_change_mfa(request.user),
        "section": "firms",
    }
    return render(request, "administration/firm_security.html", context)


def _save_levels(request: HttpRequest, firm: Firm) -> HttpResponse:
    raw = forms.posted_levels(request.POST)
    if not raw:
        raise ServiceError(NO_LEVEL_POSTED)
    levels = parse_levels(raw)
    try:
        changes = firm_set_mfa_levels(
            actor=request.user,
            firm=firm,
            levels=levels,
            confirmed=forms.is_confirmed(request.POST),
            request=request,
        )
    except ConfirmationRequired:
        return _render_confirm(request, firm, levels)
    messages.success(request, _saved_message(changes))
    return redirect("administration:firm_security", pk=firm.pk)


def _saved_message(changes: list[LevelChange]) -> str:
    if not changes:
        return NOTHING_TO_SAVE
    return "Saved: " + "; ".join(str(change) for change in changes) + "."


def _render_confirm(request: HttpRequest, firm: Firm, levels: dict[UserType, MfaLevel]) -> HttpResponse:
    context = {
        "firm": firm,
        "changes": plan_level_changes(firm=firm, levels=levels),
        "hidden": forms.hidden_levels(levels),
        "section": "firms",
    }
    return render(request, "administration/firm_confirm.html", context)


@administration_view
@require_GET
def firm_audit(request: HttpRequest, pk: int) -> HttpResponse:
    firm = firm_get(pk=pk)
    page = paginate(request, audit_events_of_firm(firm=firm), EVENTS_PER_PAGE)
    return render(request, "administration/firm_audit.html", {"firm": firm, "page": page, "section": "firms"})
