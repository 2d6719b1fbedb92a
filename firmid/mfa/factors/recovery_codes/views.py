"""My account's recovery-code pages: a new set (after recent proof), shown once, copied or downloaded."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views import View

from firmid.accounts.models import User
from firmid.core.errors import ServiceError
from firmid.mfa.factors.recovery_codes import codes, flows, store
from firmid.mfa.selectors import user_factors

CODES_TEMPLATE = "firmid/mfa/recovery_codes/codes.html"
FILE_NAME = pgettext_lazy("file name", "firmid-recovery-codes.txt")


def codes_page(request: HttpRequest, *, user: User, plain: list[str], **context: object) -> HttpResponse:
    """The page that shows a fresh set once (or says it was shown); stored by no cache."""
    response = render(
        request,
        CODES_TEMPLATE,
        {"codes": [codes.shown(c) for c in plain], "count": codes.COUNT, "file_name": FILE_NAME, **context},
    )
    add_never_cache_headers(response)
    return response


def download_response(*, user: User, posted: list[str]) -> HttpResponse:
    """The codes the page shows, as a text file to keep; only codes of the user's unused set are echoed."""
    row = store.user_set(user_id=user.pk)
    parsed = [codes.parse_code(raw) for raw in posted]
    if row is None or not parsed or len(parsed) > codes.COUNT or any(c is None for c in parsed):
        raise BadRequest(_("These are not your recovery codes."))
    if any(store.knows(row, c) != "unused" for c in parsed):
        raise BadRequest(_("These are not your current recovery codes: generate a new set from My account."))
    lines = [
        _("firmid recovery codes for %(email)s") % {"email": user.email},
        _("Each code works once, in place of your authenticator's code. Keep them somewhere safe."),
        "",
        *(codes.shown(c) for c in parsed),
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{FILE_NAME}"'
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    return response


@method_decorator(login_required, name="dispatch")
class ShowView(View):
    """A fresh set, after a factor was added or a new set generated: shown once, then never again."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        return codes_page(request, user=user, plain=flows.take_shown(request, user), done_url=reverse("myaccount:home"))

    def post(self, request: HttpRequest) -> HttpResponse:
        return download_response(user=request.user, posted=request.POST.getlist("code"))


@method_decorator(login_required, name="dispatch")
@method_decorator(reauthentication_required(app="allauth.mfa", allow_get=True), name="dispatch")
class RegenerateView(View):
    """Generate a new set: the old one stops working at once. Needs recent proof of a factor."""

    template_name = "firmid/mfa/recovery_codes/regenerate.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, self._context(request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not _may_have_codes(user):
            return render(request, self.template_name, self._context(user), status=409)
        try:
            plain = flows.recovery_codes_issue(user=user, request=request)
        except ServiceError as error:
            return render(request, self.template_name, {**self._context(user), "refusal": error.message}, status=409)
        flows.stash(request, user, plain)
        return HttpResponseRedirect(reverse("firmid_recovery_codes_show"))

    def _context(self, user: User) -> dict:
        return {"left": flows.recovery_codes_left(user=user), "allowed": _may_have_codes(user), "few": flows.FEW_LEFT}


def _may_have_codes(user: User) -> bool:
    """Recovery codes are a way back to a factor: only a user with one gets a set."""
    return any(factor.counts_as_second_factor for factor, _ in user_factors(user=user))


@method_decorator(login_required, name="dispatch")
@method_decorator(reauthentication_required(app="allauth.mfa", allow_get=True), name="dispatch")
class RemoveView(View):
    """Remove the set: a lost authenticator then means a call to support. Needs recent proof of a factor."""

    template_name = "firmid/mfa/recovery_codes/remove.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"left": flows.recovery_codes_left(user=request.user)})

    def post(self, request: HttpRequest) -> HttpResponse:
        if flows.recovery_codes_remove(request=request, user=request.user):
            messages.success(request, _("Your recovery codes were removed: none of them works any more."))
        return HttpResponseRedirect(reverse("myaccount:home"))
