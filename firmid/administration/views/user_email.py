"""A user's address, which only support changes: the user is signed out everywhere and both addresses are told."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from firmid.accounts.permissions import require_can_change_mfa
from firmid.accounts.selectors import firm_user_get, user_kind_of
from firmid.accounts.services import user_change_email
from firmid.administration.decorators import administration_view
from firmid.core.errors import ServiceError

TEMPLATE = "administration/user_email.html"


@administration_view
@require_http_methods(["GET", "POST"])
def user_email(request: HttpRequest, public_id: UUID) -> HttpResponse:
    subject = firm_user_get(public_id=public_id)
    # Only those who may change it see the form (the POST is refused by the gate and the service too).
    require_can_change_mfa(request.user)
    if request.method == "GET":
        return _form(request, subject)
    email = request.POST.get("email", "")
    try:
        user_change_email(actor=request.user, user=subject, email=email, request=request)
    except ServiceError as error:
        # The form again, with the reason and what was typed, so the agent can correct it.
        return _form(request, subject, email=email, error=error.message, status=error.status)
    messages.success(
        request,
        _("The address is now %(email)s: the user is signed out everywhere and both addresses are told.")
        % {"email": subject.email},
    )
    return redirect("administration:user_security", public_id=subject.public_id)


def _form(request: HttpRequest, subject, *, email: str = "", error: str = "", status: int = 200) -> HttpResponse:  # noqa: ANN001
    context = {"subject": subject, "email": email, "error": error, "section": user_kind_of(subject).value}
    return render(request, TEMPLATE, context, status=status)
