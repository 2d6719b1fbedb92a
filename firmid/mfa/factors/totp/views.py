"""The authenticator app's pages of My account: set up, replace, remove, each committed with its audit row.

allauth stores or deletes the factor, then sends authenticator_added only once that is
committed (on_commit) and authenticator_removed outside any transaction: an audit row
written from those signals could be lost while the change stays. Here allauth's own
form_valid (or its removal flow) runs inside firmid's transaction, which also writes the audit row.
"""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import views as totp_views
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic.edit import FormView

from firmid.audit.actions import AuditAction
from firmid.core.errors import ServiceError
from firmid.mfa.factors.recovery_codes.flows import has_fresh
from firmid.mfa.factors.totp import flows
from firmid.mfa.factors.totp.factor import TOTP, verify_code
from firmid.mfa.factors.totp.flows import audit_factor_added
from firmid.mfa.factors.totp.forms import EnrolForm
from firmid.mfa.levels.selectors import user_mfa_options
from firmid.mfa.mailbox import mailbox_proven_required
from firmid.mfa.verification import Outcome, refusal_message

MY_ACCOUNT = "myaccount:home"


@method_decorator(mailbox_proven_required, name="dispatch")
class ActivateTOTPView(totp_views.ActivateTOTPView):
    """Set the authenticator app up from My account: the factor and its audit row, or neither."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        if request.user.is_authenticated and not user_mfa_options(user=request.user).allows(TOTP.kind):
            return render(request, "firmid/mfa/method_not_allowed.html", {"method": TOTP.kind_label}, status=403)
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self) -> str:
        # A first factor came with a set of recovery codes: shown once, now.
        if has_fresh(self.request, self.request.user):
            return reverse("firmid_recovery_codes_show")
        return reverse(MY_ACCOUNT)

    def form_valid(self, form) -> HttpResponse:  # noqa: ANN001
        user = self.request.user
        with transaction.atomic():
            # allauth's notice and mail wait for the commit (its on_commit): none for a refused row.
            super().form_valid(form)
            authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
            audit_factor_added(request=self.request, user=user, authenticator=authenticator)
        # Only now, committed, did allauth's authenticator_added run: a first factor's recovery codes exist.
        return HttpResponseRedirect(self.get_success_url())


class DeactivateTOTPView(totp_views.DeactivateTOTPView):
    """Remove the authenticator app from My account: the removal and its audit row, or neither."""

    success_url = "/my-account/"

    def form_valid(self, form) -> HttpResponse:  # noqa: ANN001
        TOTP.remove(request=self.request, authenticator=self.authenticator)
        # allauth's own form_valid would remove it a second time: only its redirect is wanted.
        return FormView.form_valid(self, form)


@method_decorator(login_required, name="dispatch")
@method_decorator(reauthentication_required(app="allauth.mfa"), name="dispatch")
class ReplaceTOTPView(View):
    """Move the authenticator app to a new phone: the new app is confirmed before the old one stops."""

    template_name = "firmid/mfa/totp_replace.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        self.authenticator = get_object_or_404(Authenticator, user=request.user, type=Authenticator.Type.TOTP)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(EnrolForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = EnrolForm(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        secret = flows.replacement_secret(request, self.authenticator)
        outcome = verify_code(
            user=request.user,
            secret=secret,
            raw_code=form.cleaned_data["code"],
            request=request,
            purpose=AuditAction.MFA_ENROLMENT,
        )
        if outcome is not Outcome.ACCEPTED:
            form.add_error("code", refusal_message(outcome=outcome, user=request.user))
            return self._render(form, status=400)
        try:
            flows.replace_totp(request=request, authenticator=self.authenticator, secret=secret)
        except ServiceError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse(MY_ACCOUNT))
        messages.success(request, _("Your new authenticator app is set up; the old one no longer works."))
        return HttpResponseRedirect(reverse(MY_ACCOUNT))

    def _render(self, form: EnrolForm, status: int = 200) -> HttpResponse:
        secret = flows.replacement_secret(self.request, self.authenticator)
        url = flows.totp_url(self.request.user, secret)
        context = {"form": form, "secret": secret, "totp_url": url, "qr_svg": flows.totp_qr_svg(url)}
        return render(self.request, self.template_name, context, status=status)
