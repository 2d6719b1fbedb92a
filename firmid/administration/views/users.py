"""Practitioners and Client users: the lists and a user's Login tab with their MFA and account actions."""

from __future__ import annotations

from functools import partial

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from firmid.accounts.models import User
from firmid.accounts.permissions import can_change_mfa, require_can_change_mfa
from firmid.accounts.selectors import UserKind, firm_user_get, user_kind_of, users_search
from firmid.accounts.services import user_set_active
from firmid.administration import forms
from firmid.administration.decorators import administration_view
from firmid.administration.views.common import paginate
from firmid.mfa.selectors import policy_input_of, user_mfa_decision, with_mfa_snapshot
from firmid.mfa.services import user_activate_mfa, user_reset_mfa
from firmid.policy import Status, decide

USERS_PER_PAGE = 50
TITLES = {UserKind.PRACTITIONERS: "Practitioners", UserKind.CLIENT_USERS: "Client users"}


@administration_view
@require_GET
def user_list(request: HttpRequest, kind: UserKind) -> HttpResponse:
    terms = forms.search_terms(forms.UserSearchForm(request.GET))
    users = with_mfa_snapshot(users_search(kind=kind, query=terms.query, firm_id=terms.firm_id))
    page = paginate(request, users, USERS_PER_PAGE)
    page.object_list = list(page.object_list)
    # The status is decided from the page's own query: no query per row.
    for user in page.object_list:
        user.mfa_status = decide(policy_input_of(user)).status
    context = {
        "page": page, "q": terms.query, "firm_id": terms.firm_id, "title": TITLES[kind], "section": kind.value,
    }
    return render(request, "administration/user_list.html", context)


@administration_view
@require_GET
def user_security(request: HttpRequest, public_id: UUID) -> HttpResponse:
    subject = firm_user_get(public_id=public_id)
    status = user_mfa_decision(user=subject).status
    context = {
        "subject": subject,
        "status": status,
        "can_change": can_change_mfa(request.user),
        # Which action the Login tab offers; the services still decide whether it is allowed.
        "offer_activate": status in (Status.NOT_OFFERED, Status.SUGGESTED),
        "offer_reset": status in (Status.CONFIGURED, Status.FORCED),
        "section": _section_of(subject),
    }
    return render(request, "administration/user_security.html", context)


@administration_view
@require_POST
def user_activate(request: HttpRequest, public_id: UUID) -> HttpResponse:
    subject = firm_user_get(public_id=public_id)
    user_activate_mfa(actor=request.user, user=subject, request=request)
    messages.success(request, f"MFA activated for {subject.email}: they will set it up at their next sign-in.")
    return redirect("administration:user_security", public_id=subject.public_id)


def _confirm_then(request: HttpRequest, public_id: UUID, template: str, act, done: str) -> HttpResponse:  # noqa: ANN001
    """GET: the Confirm step (only for those who may act); POST: act, then back to the Login tab."""
    subject = firm_user_get(public_id=public_id)
    if request.method == "GET":
        require_can_change_mfa(request.user)
        return render(request, template, {"subject": subject, "section": _section_of(subject)})
    act(actor=request.user, user=subject, request=request)
    messages.success(request, done.format(email=subject.email))
    return redirect("administration:user_security", public_id=subject.public_id)


@administration_view
@require_http_methods(["GET", "POST"])
def user_reset(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _confirm_then(
        request, public_id, "administration/user_reset_confirm.html", user_reset_mfa, "MFA reset for {email}."
    )


@administration_view
@require_http_methods(["GET", "POST"])
def user_disable(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _confirm_then(
        request, public_id, "administration/user_disable_confirm.html",
        partial(user_set_active, active=False), "{email} is disabled: their sessions and tokens have ended.",
    )


@administration_view
@require_POST
def user_enable(request: HttpRequest, public_id: UUID) -> HttpResponse:
    subject = firm_user_get(public_id=public_id)
    user_set_active(actor=request.user, user=subject, active=True, request=request)
    messages.success(request, f"{subject.email} is enabled: they can sign in again.")
    return redirect("administration:user_security", public_id=subject.public_id)


def _section_of(user: User) -> str:
    return user_kind_of(user).value
