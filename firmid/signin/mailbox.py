"""The mailbox proven before a set-up: the decorator of set-up pages, and support's set-up link page.

`mailbox_proven_required` guards a page that sets a factor up for a signed-in user (My
account's set-up pages, the step-up set-up page): when a set-up by this user needs a proof
of their mailbox that this browser's session does not hold, the user is sent to
`/accounts/security/confirm-address/?next=<the page>` and comes back once it is given.

    @login_required
    @mailbox_proven_required
    def add_passkey(request): ...

    @method_decorator([login_required, mailbox_proven_required], name="dispatch")
    class StepUpEnrolView(View): ...

The set-up link (`/accounts/security/setup-link/<token>/`) shows a button: opening the link
changes nothing (mail scanners open links), the POST spends it, marks this session and
continues the pending sign-in, or sends the user to sign in.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from firmid.core.errors import ServiceError
from firmid.mfa.mailbox import CONFIRM_URLNAME, mailbox_proven_required, setup_link_proof, setup_link_spend

__all__ = ["CONFIRM_URLNAME", "mailbox_proven_required", "setup_link"]


@never_cache
@require_http_methods(["GET", "POST"])
def setup_link(request: HttpRequest, token: str) -> HttpResponse:
    """Support's single-use set-up link: GET shows Continue, POST spends it for this browser."""
    try:
        if request.method == "GET":
            setup_link_proof(token=token)
            return _page(request, status=200)
        user = setup_link_spend(token=token, session=request.session, request=request)
    except ServiceError as error:
        return _page(request, error=error.message, status=error.status)
    if request.user.is_authenticated and request.user.pk == user.pk:
        return HttpResponseRedirect(reverse("myaccount:home"))
    messages.success(request, _("Your address is confirmed. Sign in to set up multi-factor authentication."))
    # The page continues a sign-in pending in this browser, or sends to the sign-in page.
    return HttpResponseRedirect(reverse(CONFIRM_URLNAME))


def _page(request: HttpRequest, *, error: str = "", status: int) -> HttpResponse:
    # The token is in this page's URL: the site's Referrer-Policy (same-origin) keeps it here.
    return render(request, "firmid/signin/setup_link.html", {"error": error}, status=status)
