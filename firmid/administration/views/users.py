"""Practitioners and Client users: the lists and a user's Login tab with their MFA and account actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from firmid.accounts.models import User
from firmid.accounts.permissions import can_change_mfa, require_can_change_mfa
from firmid.accounts.selectors import UserKind, firm_user_get, user_kind_of
from firmid.accounts.services import user_set_active
from firmid.administration import forms
from firmid.administration.decorators import administration_view
from firmid.administration.selectors import company_choices, firm_choices, users_filtered
from firmid.administration.status import StatusPill, status_pill
from firmid.administration.views.common import paginate
from firmid.core import clock
from firmid.core.errors import ServiceError
from firmid.mfa.app_settings import mfa_settings
from firmid.mfa.levels.selectors import firm_type_mfa_options
from firmid.mfa.registry import factor
from firmid.mfa.selectors import (
    policy_input_of,
    user_factor_summaries,
    user_mfa_decision,
    user_mfa_decision_after_deactivation,
    user_mfa_decision_after_reset,
    user_open_lost_device_requests,
    user_policy_input,
)
from firmid.mfa.services import (
    RESET_REASON_MAX,
    RESET_REASON_MIN,
    require_mfa_deactivatable,
    user_activate_mfa,
    user_deactivate_mfa,
    user_reset_mfa,
)
from firmid.policy import Decision, MfaLevel, Status, UserType, decide

USERS_PER_PAGE = 50
TITLES = {UserKind.PRACTITIONERS: gettext_lazy("Practitioners"), UserKind.CLIENT_USERS: gettext_lazy("Client users")}
# The user types a list may be filtered by: Practitioners have one type only.
TYPES_OF_KIND = {
    UserKind.PRACTITIONERS: (),
    UserKind.CLIENT_USERS: (UserType.CLIENTS, UserType.CLIENT_EMPLOYEES),
}


@administration_view
@require_GET
def user_list(request: HttpRequest, kind: UserKind) -> HttpResponse:
    terms = forms.search_terms(forms.UserSearchForm(request.GET))
    user_type = terms.user_type if terms.user_type in TYPES_OF_KIND[kind] else None
    clients = kind is UserKind.CLIENT_USERS
    users = users_filtered(
        kind=kind,
        query=terms.query,
        firm_id=terms.firm_id,
        company_id=terms.company_id if clients else None,
        user_type=user_type,
        status=terms.status,
    )
    page = paginate(request, users, USERS_PER_PAGE)
    page.object_list = list(page.object_list)
    # The status is decided from the page's own query: no query per row.
    now = clock.now()
    for user in page.object_list:
        user.mfa_pill = _pill_of(user, now)
    context = {
        "page": page,
        "q": terms.query,
        "firm_id": terms.firm_id,
        "company_id": terms.company_id if clients else None,
        "user_type": user_type,
        "status": terms.status,
        "filtered": bool(terms.query or terms.filtered),
        "firms": firm_choices(),
        "companies": company_choices(firm_id=terms.firm_id) if clients else [],
        "user_types": TYPES_OF_KIND[kind],
        "statuses": list(Status),
        "clients": clients,
        "title": TITLES[kind],
        "section": kind.value,
    }
    return render(request, "administration/user_list.html", context)


def _pill_of(user: User, now: datetime) -> StatusPill:
    """The pill of a user read by `with_mfa_snapshot`: the decision and where it comes from."""
    snapshot = policy_input_of(user)
    moment = user.mfa_mandatory_from
    return status_pill(
        decide(snapshot),
        level=snapshot.level,
        mandatory_from=moment if isinstance(moment, datetime) else None,
        now=now,
    )


@administration_view
@require_GET
def user_security(request: HttpRequest, public_id: UUID) -> HttpResponse:
    subject = firm_user_get(public_id=public_id)
    decision = user_mfa_decision(user=subject)
    context = {
        **_policy_context(subject),
        "status": decision.status,
        "pill": _user_pill(subject, decision),
        "factors": (summaries := user_factor_summaries(user=subject)),
        # What the status sentence names: the second factors, not recovery codes.
        "second_factors": (second := [s for s in summaries if factor(s.kind).counts_as_second_factor]),
        "factor_names": ", ".join(str(s.kind_label) for s in second),
        "can_change": can_change_mfa(request.user),
        "lost_device_requests": user_open_lost_device_requests(user=subject),
    }
    return render(request, "administration/user_security.html", context)


def _user_pill(subject: User, decision: Decision) -> StatusPill:
    options = firm_type_mfa_options(firm=subject.firm, user_type=subject.user_type)
    level = user_policy_input(user=subject).level
    moment = options.mandatory_from if level is MfaLevel.MANDATORY else None
    return status_pill(decision, level=level, mandatory_from=moment, now=clock.now())


def _policy_context(subject: User) -> dict[str, Any]:
    """What the Login tab and its Confirm pages name: the user, their decision, type and firm's level."""
    return {
        "subject": subject,
        "decision": user_mfa_decision(user=subject),
        "user_type": subject.user_type,
        "level": user_policy_input(user=subject).level,
        "section": _section_of(subject),
    }


@administration_view
@require_POST
def user_activate(request: HttpRequest, public_id: UUID) -> HttpResponse:
    subject = firm_user_get(public_id=public_id)
    user_activate_mfa(actor=request.user, user=subject, request=request)
    messages.success(
        request,
        _("MFA activated for %(email)s: they will set it up at their next sign-in.") % {"email": subject.email},
    )
    return redirect("administration:user_security", public_id=subject.public_id)


@dataclass(frozen=True)
class ConfirmStep:
    """An action that asks Confirm first: its page, its service and the message once done.

    `check(user=…)`, if given, is the service's own refusal, shown before the Confirm page too.
    `after(user=…)`, if given, is the decision the user meets once the action is done: the
    Confirm page says what happens next from it, not from a sentence written apart.
    """

    template: str
    act: Callable[..., None]
    done: str  # "%(email)s" names the user
    after: Callable[..., Decision] | None = None
    check: Callable[..., object] | None = None


def _confirm_then(request: HttpRequest, public_id: UUID, step: ConfirmStep) -> HttpResponse:
    """GET: the Confirm step (only for those who may act); POST: act, then back to the Login tab."""
    subject = firm_user_get(public_id=public_id)
    if request.method == "GET":
        require_can_change_mfa(request.user)
        if step.check:
            step.check(user=subject)
        after = step.after(user=subject) if step.after else None
        return render(request, step.template, {**_policy_context(subject), "after": after})
    step.act(actor=request.user, user=subject, request=request)
    messages.success(request, str(step.done) % {"email": subject.email})
    return redirect("administration:user_security", public_id=subject.public_id)


RESET = ConfirmStep(
    template="administration/user_reset_confirm.html",
    act=user_reset_mfa,
    done=gettext_lazy("MFA reset for %(email)s."),
    after=user_mfa_decision_after_reset,
)
DEACTIVATE = ConfirmStep(
    template="administration/user_deactivate_confirm.html",
    act=user_deactivate_mfa,
    done=gettext_lazy("MFA deactivated for %(email)s: it is no longer activated for them individually."),
    after=user_mfa_decision_after_deactivation,
    check=require_mfa_deactivatable,
)
DISABLE = ConfirmStep(
    template="administration/user_disable_confirm.html",
    act=partial(user_set_active, active=False),
    done=gettext_lazy("%(email)s is disabled: their sessions and tokens have ended."),
)


@administration_view
@require_http_methods(["GET", "POST"])
def user_reset(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Reset's Confirm page asks the agent's reason, and whether to email a set-up link."""
    subject = firm_user_get(public_id=public_id)
    require_can_change_mfa(request.user)
    if request.method == "GET":
        return _reset_page(request, subject)
    reason, send_link = request.POST.get("reason", ""), request.POST.get("send_setup_link") == "1"
    try:
        user_reset_mfa(actor=request.user, user=subject, reason=reason, send_setup_link=send_link, request=request)
    except ServiceError as error:
        # The page again, with what was typed and why it was refused.
        return _reset_page(request, subject, reason=reason, send_link=send_link, error=error)
    if send_link:
        done = _("MFA reset for %(email)s. A single-use set-up link was emailed to them.")
    else:
        done = str(RESET.done)
    messages.success(request, done % {"email": subject.email})
    return redirect("administration:user_security", public_id=subject.public_id)


def _reset_page(
    request: HttpRequest, subject: User, *, reason: str = "", send_link: bool = True, error: ServiceError | None = None
) -> HttpResponse:
    context = {
        **_policy_context(subject),
        "after": user_mfa_decision_after_reset(user=subject),
        "reason": reason,
        "send_link": send_link,
        "error": error.message if error else "",
        "reason_min": RESET_REASON_MIN,
        "reason_max": RESET_REASON_MAX,
        "link_hours": mfa_settings.MFA_SETUP_LINK_HOURS,
        "lost_device_requests": user_open_lost_device_requests(user=subject),
    }
    return render(request, RESET.template, context, status=error.status if error else 200)


@administration_view
@require_http_methods(["GET", "POST"])
def user_deactivate(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _confirm_then(request, public_id, DEACTIVATE)


@administration_view
@require_http_methods(["GET", "POST"])
def user_disable(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _confirm_then(request, public_id, DISABLE)


@administration_view
@require_POST
def user_enable(request: HttpRequest, public_id: UUID) -> HttpResponse:
    subject = firm_user_get(public_id=public_id)
    user_set_active(actor=request.user, user=subject, active=True, request=request)
    messages.success(request, _("%(email)s is enabled: they can sign in again.") % {"email": subject.email})
    return redirect("administration:user_security", public_id=subject.public_id)


def _section_of(user: User) -> str:
    return user_kind_of(user).value
