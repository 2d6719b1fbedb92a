"""Accounting firm: the firm list and its Authentication and security tab (the audit trail: views/audit.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from firmid.accounts.permissions import can_change_mfa
from firmid.administration import forms, security_form, wording
from firmid.administration.decorators import administration_view
from firmid.administration.selectors import firm_rows, firms_filtered
from firmid.administration.views.common import paginate
from firmid.core import clock
from firmid.mfa.levels.impact import ProposedTypeSettings, TypeImpact, level_change_impact
from firmid.mfa.levels.selectors import TypeMfaOptions, firm_mfa_settings, firm_type_mfa_options
from firmid.mfa.levels.services import (
    ConfirmationRequired,
    SettingsPlan,
    TypeSettingsInput,
    firm_save_mfa_settings,
    plan_settings,
)
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm
from firmid.tenancy.selectors import firm_get

FIRMS_PER_PAGE = 25


@administration_view
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return redirect("administration:firms")


@administration_view
@require_GET
def firm_list(request: HttpRequest) -> HttpResponse:
    form = forms.FirmSearchForm(request.GET)
    terms = forms.search_terms(form)
    firms = firms_filtered(query=terms.query, user_type=terms.user_type, level=terms.level, sso=terms.sso)
    page = paginate(request, firms, FIRMS_PER_PAGE)
    page.object_list = firm_rows(list(page.object_list))
    context = {
        "page": page,
        "q": terms.query,
        "terms": terms,
        "form": form,
        "user_types": list(UserType),
        "section": "firms",
    }
    return render(request, "administration/firm_list.html", context)


@administration_view
@require_http_methods(["GET", "POST"])
def firm_security(request: HttpRequest, pk: int) -> HttpResponse:
    firm = firm_get(pk=pk)
    if request.method == "POST":
        return _save_settings(request, firm)
    return _render_security(request, firm)


def _render_security(request: HttpRequest, firm: Firm, plan: SettingsPlan | None = None) -> HttpResponse:
    """The tab with the saved settings, or (a preview) with the ones posted and their impact."""
    settings = firm_mfa_settings(firm=firm)
    saved = {t: firm_type_mfa_options(firm=firm, user_type=t) for t in UserType}
    shown = {**saved, **(plan.proposed if plan else {})}
    context = {
        "firm": firm,
        "mfa_settings": settings,
        "type_forms": security_form.type_forms(settings=settings.types, saved=saved, shown=shown, now=clock.now()),
        "levels": list(MfaLevel),
        "can_change": can_change_mfa(request.user),
        "preview": plan is not None,
        "impact": _impact(firm, plan) if plan else None,
        "section": "firms",
    }
    return render(request, "administration/firm_security.html", context)


def _save_settings(request: HttpRequest, firm: Firm) -> HttpResponse:
    settings = security_form.posted_settings(request.POST)
    if forms.is_preview(request.POST):
        return _render_security(request, firm, plan_settings(firm=firm, settings=settings))
    try:
        plan = firm_save_mfa_settings(
            actor=request.user,
            firm=firm,
            settings=settings,
            confirmed=forms.is_confirmed(request.POST),
            request=request,
        )
    except ConfirmationRequired:
        return _render_confirm(request, firm, settings)
    messages.success(request, wording.saved_message(plan))
    return redirect("administration:firm_security", pk=firm.pk)


def _render_confirm(request: HttpRequest, firm: Firm, settings: dict[UserType, TypeSettingsInput]) -> HttpResponse:
    plan = plan_settings(firm=firm, settings=settings)
    context = {
        "firm": firm,
        "plan": plan,
        "changes": wording.changes_of(plan),
        "hidden": security_form.hidden_fields(request.POST),
        "impact": _impact(firm, plan),
        "section": "firms",
    }
    return render(request, "administration/firm_confirm.html", context)


def _impact(firm: Firm, plan: SettingsPlan) -> list[TypeImpact]:
    """What the plan would do at each user's next sign-in (the impact preview)."""
    return level_change_impact(firm=firm, proposed={t: _proposal(o) for t, o in plan.proposed.items()})


def _proposal(options: TypeMfaOptions) -> ProposedTypeSettings:
    return ProposedTypeSettings(
        level=options.level, mandatory_from=options.mandatory_from, allowed_methods=options.allowed_methods
    )
