"""The code page's way out, for a user who cannot use their authenticator: a recovery code, or support.

Both pages exist only while a sign-in waits for its second factor (allauth's MFA stage):
the password was given, and nothing here signs the user in but a right recovery code.
"""

from __future__ import annotations

from allauth.mfa.stages import AuthenticateStage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator

from firmid.core.errors import ServiceError
from firmid.core.seams.allauth import login_stage_required
from firmid.mfa.factors.recovery_codes.flows import recovery_codes_left
from firmid.mfa.factors.recovery_codes.forms import RecoveryCodeAuthenticateForm
from firmid.mfa.lost_device import lost_device_report
from firmid.signin.pending import PendingSignInPage

_IN_CODE_STAGE = login_stage_required(stage=AuthenticateStage.key, redirect_urlname="account_login")


class _CodeStagePage(PendingSignInPage):
    """A page of the pending sign-in's code step; a reset or disable meanwhile ends the sign-in."""


@method_decorator(_IN_CODE_STAGE, name="dispatch")
class LostDeviceView(_CodeStagePage):
    """I can't use my authenticator: use a recovery code, or ask support for help."""

    template_name = "firmid/signin/lost_device.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render()

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            _, created = lost_device_report(user=self.user, request=request)
        except ServiceError as error:
            return self._render(refusal=error.message, status=error.status)
        return self._render(sent=True, already_sent=not created)

    def _render(self, status: int = 200, **extra: object) -> HttpResponse:
        context = {
            "recovery_codes_left": recovery_codes_left(user=self.user),
            "support_agent": self.user.is_support_agent,
            **extra,
        }
        return render(self.request, self.template_name, context, status=status)


@method_decorator(_IN_CODE_STAGE, name="dispatch")
class RecoveryCodeView(_CodeStagePage):
    """Sign in with a recovery code instead of the authenticator's code."""

    template_name = "firmid/signin/recovery_code.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(RecoveryCodeAuthenticateForm(user=self.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RecoveryCodeAuthenticateForm(user=self.user, data=request.POST)
        if not form.is_valid():
            # A lock ended the pending sign-in (the form cleared it): the next try starts from the password.
            return self._render(form, status=400)
        form.save()  # allauth's record: method "mfa", the set's id and type, for CompletionStage and the amr
        return self.stage.exit()

    def _render(self, form: RecoveryCodeAuthenticateForm, status: int = 200) -> HttpResponse:
        return render(self.request, self.template_name, {"form": form}, status=status)
