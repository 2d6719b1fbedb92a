"""My account: the browsers the user trusts, each revocable, or all at once (POST only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from firmid.core.errors import ServiceError
from firmid.mfa.trust import trusted_browser_revoke, trusted_browsers_revoke_all

# The Security card lists them: the lead's My account view passes
# `trusted_browsers = firmid.mfa.trust.user_trusted_browsers(user=request.user)` to
# myaccount/_trusted_browsers.html.
BACK = "myaccount:home"


@login_required
@require_POST
def revoke(request: HttpRequest, browser_id: int) -> HttpResponse:
    try:
        trusted_browser_revoke(user=request.user, browser_id=browser_id, request=request)
    except ServiceError as error:
        raise Http404(error.message) from None  # another user's browser, or revoked already
    messages.success(request, _("That browser is no longer trusted: it will ask for your second factor again."))
    return redirect(BACK)


@login_required
@require_POST
def revoke_all(request: HttpRequest) -> HttpResponse:
    count = trusted_browsers_revoke_all(user=request.user, request=request)
    text = ngettext(
        "%(count)d browser no longer trusted: it will ask for your second factor again.",
        "%(count)d browsers no longer trusted: each will ask for your second factor again.",
        count,
    )
    messages.success(request, text % {"count": count})
    return redirect(BACK)
