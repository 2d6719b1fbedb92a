from __future__ import annotations

from allauth.account.internal.decorators import login_stage_required
from allauth.account.internal.stagekit import clear_login
from allauth.mfa.base import views as mfa_views
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View

from firmid.accounts.stages import EnrolmentStage
from firmid.core.errors import ServiceError
from firmid.mfa import enrolment
from firmid.mfa.forms import EnrolForm
from firmid.mfa.selectors import user_mfa_decision
from firmid.mfa.verification import Outcome, verify_code
from firmid.policy import Action


class AuthenticateView(mfa_views.AuthenticateView):
    """allauth's code page, answering a refused code with a 4xx instead of a 200."""

    def form_invalid(self, form) -> HttpResponse:  # noqa: ANN001
        response = super().form_invalid(form)
        response.status_code = 400
        return response


@method_decorator(
    login_stage_required(stage=EnrolmentStage.key, redirect_urlname="account_login"), name="dispatch"
)
class EnrolView(View):
    """Enhance your account security: set up an authenticator app during sign-in."""

    template_name = "firmid/mfa/enrol.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        self.stage = request._login_stage
        self.user = self.stage.login.user
        self.decision = user_mfa_decision(user=self.user)
        if self.decision.action not in (Action.ENROLL_OPTIONAL, Action.ENROLL_REQUIRED):
            return self.stage.exit()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(EnrolForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if "later" in request.POST:
            return self._later()
        form = EnrolForm(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        secret = enrolment.pending_secret(request, self.user)
        outcome = verify_code(
            user=self.user, secret=secret, raw_code=form.cleaned_data["code"],
            request=request, purpose="mfa_enrolment",
        )
        if outcome is not Outcome.ACCEPTED:
            return self._refused(form, outcome)
        try:
            enrolment.complete_enrolment(request, self.user, secret)
        except ServiceError as error:
            clear_login(request)
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse("account_login"))
        return self.stage.exit()

    def _later(self) -> HttpResponse:
        if self.decision.action is not Action.ENROLL_OPTIONAL:
            refusal = "Your firm requires multi-factor authentication: it cannot be set up later."
            return self._render(EnrolForm(), status=403, refusal=refusal)
        enrolment.postpone_enrolment(self.request, self.user)
        return self.stage.exit()

    def _refused(self, form: EnrolForm, outcome: Outcome) -> HttpResponse:
        if outcome is Outcome.LOCKED:
            clear_login(self.request)
            messages.error(self.request, outcome.message)
            return HttpResponseRedirect(reverse("account_login"))
        form.add_error("code", outcome.message)
        return self._render(form, status=400)

    def _render(self, form: EnrolForm, status: int = 200, refusal: str = "") -> HttpResponse:
        secret = enrolment.pending_secret(self.request, self.user)
        url = enrolment.totp_url(self.user, secret)
        context = {
            "form": form,
            "secret": secret,
            "totp_url": url,
            "qr_svg": enrolment.totp_qr_svg(url),
            "optional": self.decision.action is Action.ENROLL_OPTIONAL,
            "refusal": refusal,
        }
        return render(self.request, self.template_name, context, status=status)
