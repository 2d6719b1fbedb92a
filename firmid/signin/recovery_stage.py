"""After a first factor is set up during sign-in: its recovery codes, shown once, before the sign-in completes.

The codes were made as the factor was stored (firmid.mfa.factors.recovery_codes.flows,
on allauth's authenticator_added) and wait in the session; this stage's page takes them out
as it shows them, so a reload, the back button or a second tab shows them no more.
"""

from __future__ import annotations

from allauth.account.stages import LoginStage
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator

from firmid.core.seams.allauth import headed_redirect_response, login_stage_required
from firmid.mfa.factors.recovery_codes import flows
from firmid.mfa.factors.recovery_codes.views import codes_page, download_response
from firmid.signin.pending import PendingSignInPage


class RecoveryCodesStage(LoginStage):
    """Right after set-up: show the new recovery codes, if this sign-in made some."""

    key = "firmid_recovery_codes"
    urlname = "firmid_recovery_codes_new"

    def handle(self) -> tuple:
        if flows.has_fresh(self.request, self.login.user):
            return headed_redirect_response(self.urlname), True
        return None, True


@method_decorator(login_stage_required(stage=RecoveryCodesStage.key, redirect_urlname="account_login"), name="dispatch")
class NewRecoveryCodesView(PendingSignInPage):
    """The codes once, with Copy and Download; "I have saved them" continues the sign-in."""

    def get(self, request: HttpRequest) -> HttpResponse:
        plain = flows.take_shown(request, self.user)
        return codes_page(request, user=self.user, plain=plain, continue_in_sign_in=True)

    def post(self, request: HttpRequest) -> HttpResponse:
        if "download" in request.POST:
            return download_response(user=self.user, posted=request.POST.getlist("code"))
        flows.take_shown(request, self.user)  # continued without looking: they are not shown later either
        return self.stage.exit()
