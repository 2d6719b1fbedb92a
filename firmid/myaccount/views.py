"""My account: the platform's first application, where users see their profile and security."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from allauth.mfa.adapter import get_adapter
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from firmid.mfa.factors.base import FactorSummary
from firmid.mfa.registry import factors
from firmid.mfa.selectors import user_factors, user_mfa_decision

if TYPE_CHECKING:
    from allauth.mfa.models import Authenticator

    from firmid.mfa.factors.base import Factor


@dataclass(frozen=True)
class FactorRow:
    """One factor the user set up, as the Security card lists it."""

    summary: FactorSummary
    remove_url: str
    removable: bool


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    decision = user_mfa_decision(user=user)
    context = {
        "decision": decision,
        "configured": decision.asks_for_code,
        "sso": decision.managed_by_sso,
        "factors": [_row(factor, authenticator) for factor, authenticator in user_factors(user=user)],
        "enrol_url": reverse(factors()[0].enrol_url_name),
    }
    return render(request, "myaccount/home.html", context)


def _row(factor: Factor, authenticator: Authenticator) -> FactorRow:
    return FactorRow(
        summary=factor.describe(authenticator),
        remove_url=reverse(factor.remove_url_name),
        removable=get_adapter().can_delete_authenticator(authenticator),
    )


def address_page_gone(request: HttpRequest) -> HttpResponse:
    """Answer 404 where allauth listed and added addresses: a user's one address is set by support."""
    raise Http404("Your address is set by your firm's support.")
