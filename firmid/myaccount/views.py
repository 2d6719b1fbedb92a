"""My account: the platform's first application, where users see their profile and security."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from allauth.mfa.adapter import get_adapter
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from firmid.mfa.factors.base import FactorSummary
from firmid.mfa.factors.recovery_codes.flows import FEW_LEFT, recovery_codes_left
from firmid.mfa.levels.selectors import user_mfa_options
from firmid.mfa.registry import factor, factors
from firmid.mfa.selectors import user_factors, user_mfa_decision
from firmid.mfa.trust import user_trusted_browsers

if TYPE_CHECKING:
    from allauth.mfa.models import Authenticator

    from firmid.accounts.models import User
    from firmid.mfa.factors.base import Factor


@dataclass(frozen=True)
class FactorRow:
    """One factor the user set up, as the Security card lists it, with what they may do to it."""

    summary: FactorSummary
    remove_url: str
    removable: bool
    replace_url: str = ""
    replace_label: str = ""  # in the active language
    rename_url: str = ""


@dataclass(frozen=True)
class FactorOffer:
    """A kind of factor the user may add now."""

    label: str
    url: str


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    decision = user_mfa_decision(user=user)
    mine = user_factors(user=user)
    rows = [_row(kind, authenticator) for kind, authenticator in mine]
    context = {
        "decision": decision,
        "sso": decision.managed_by_sso,
        "options": user_mfa_options(user=user),
        "factors": rows,
        "last_factor_kept": any(not row.removable for row in rows),
        "offers": _offers(user, kinds={kind.kind for kind, _ in mine}),
        "trusted_browsers": user_trusted_browsers(user=user),
        "recovery_codes_left": recovery_codes_left(user=user),
        "few_recovery_codes": FEW_LEFT,
        # Each language named in itself, whatever the page's language.
        "languages": settings.LANGUAGES,
        "language_name": dict(settings.LANGUAGES).get(translation.get_language(), ""),
    }
    return render(request, "myaccount/home.html", context)


def _row(kind: Factor, authenticator: Authenticator) -> FactorRow:
    removable = get_adapter().can_delete_authenticator(authenticator)
    return FactorRow(
        summary=kind.describe(authenticator),
        remove_url=kind.remove_url(authenticator),
        removable=removable,
        replace_url=reverse(kind.replace_url_name) if kind.replace_url_name else "",
        replace_label=str(kind.replace_label),
        rename_url=kind.rename_url(authenticator) if hasattr(kind, "rename_url") else "",
    )


def _offers(user: User, *, kinds: set[str]) -> list[FactorOffer]:
    """What the user may still add: the second factors their firm allows, recovery codes once they have one."""
    options = user_mfa_options(user=user)
    has_second_factor = any(factor(kind).counts_as_second_factor for kind in kinds)
    return [
        FactorOffer(label=str(f.add_label), url=reverse(f.enrol_url_name))
        for f in factors()
        if options.allows(f.kind)
        and (f.kind not in kinds or getattr(f, "several_allowed", False))
        and (f.counts_as_second_factor or has_second_factor)
    ]


def address_page_gone(request: HttpRequest) -> HttpResponse:
    """Answer 404 where allauth listed and added addresses: a user's one address is set by support."""
    raise Http404(_("Your address is set by your firm's support."))


def allauth_page_gone(request: HttpRequest, **kwargs: object) -> HttpResponse:
    """Answer 404 for allauth's pages firmid does not offer: sign-up, address verification, emailed codes."""
    raise Http404(_("firmid has no such page."))
