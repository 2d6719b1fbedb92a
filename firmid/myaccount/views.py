"""My account: the platform's first application, where users see their profile and security."""

from __future__ import annotations

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from firmid.mfa.selectors import user_mfa_decision
from firmid.policy import Status


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    decision = user_mfa_decision(user=user)
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    context = {
        "decision": decision,
        "configured": decision.status is Status.CONFIGURED,
        "sso": decision.status is Status.MANAGED_BY_SSO,
        "can_remove": bool(totp) and get_adapter().can_delete_authenticator(totp),
        "totp": totp,
    }
    return render(request, "myaccount/home.html", context)


def address_page_gone(request: HttpRequest) -> HttpResponse:
    """Answer 404 where allauth listed and added addresses: a user's one address is set by support."""
    raise Http404("Your address is set by your firm's support.")
