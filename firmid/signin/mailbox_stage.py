"""Confirm your address, before a set-up: a login stage, and its page for the sign-in and for My account.

`MailboxStage` runs just before the set-up stage: when the sign-in offers or demands a
set-up and the user must first prove their mailbox (firmid.mfa.mailbox: support's set-up
link after a reset, or a code the firm requires before any first set-up), it sends the code
(if a code is what is needed) and shows `/accounts/security/confirm-address/`. The same page
serves a signed-in user whom `mailbox_proven_required` sent there from a set-up page, and
returns them to it (`next`).
"""

from __future__ import annotations

from allauth.account.stages import LoginStage
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from firmid.core import clock
from firmid.core.errors import ServiceError
from firmid.core.seams.allauth import headed_redirect_response, login_stage_required
from firmid.mfa.factors.totp.flows import postpone_enrolment
from firmid.mfa.mailbox import (
    Kind,
    TooManyCodes,
    email_code_check,
    email_code_send,
    latest_setup_link,
    required_proof,
    session_proves,
)
from firmid.mfa.selectors import user_mfa_decision
from firmid.signin.pending import PendingSignInPage
from firmid.signin.stages import EnrolmentStage
from firmid.signin.views import safe_next

TEMPLATE = "firmid/signin/confirm_address.html"


class MailboxStage(LoginStage):
    """Before a set-up: the mailbox proven in this browser, when a link or a code is required."""

    key = "firmid_mailbox_proof"
    urlname = "firmid_mailbox_confirm"

    def handle(self) -> tuple:
        user = self.login.user
        if user is None or not user_mfa_decision(user=user).may_enroll:
            return None, True
        if session_proves(session=self.request.session, user=user):
            return None, True
        if required_proof(user=user) == Kind.EMAIL_CODE:
            try:
                email_code_send(user=user, request=self.request)
            except TooManyCodes as refusal:
                self.state["refusal"] = refusal.message
        return headed_redirect_response(self.urlname), True


class _ConfirmAddressPage(View):
    """The page: the code form (with Send a new code), or where the set-up link is; then onwards."""

    user = None
    optional = False

    def get(self, request: HttpRequest) -> HttpResponse:
        if session_proves(session=request.session, user=self.user):
            return self.onwards()
        return self._render()

    def post(self, request: HttpRequest) -> HttpResponse:
        if session_proves(session=request.session, user=self.user):
            return self.onwards()
        if "later" in request.POST:
            return self.later()
        required = required_proof(user=self.user)
        try:
            if "resend" in request.POST and required == Kind.EMAIL_CODE:
                email_code_send(user=self.user, request=request)
                messages.info(request, _("A new code was sent to %(email)s.") % {"email": self.user.email})
                return HttpResponseRedirect(request.get_full_path())
            if required != Kind.EMAIL_CODE:
                raise ServiceError(
                    _("Open the set-up link your firm's support emailed you: a code does not replace it.")
                )
            email_code_check(
                user=self.user, raw_code=request.POST.get("code", ""), session=request.session, request=request
            )
        except ServiceError as error:
            return self._render(error=error.message, status=error.status)
        return self.onwards()

    def onwards(self) -> HttpResponse:
        raise NotImplementedError

    def later(self) -> HttpResponse:
        return self._render(error=_("Setting up MFA is required: it cannot be done later."), status=403)

    def _render(self, *, error: str = "", status: int = 200) -> HttpResponse:
        required = required_proof(user=self.user)
        link = latest_setup_link(user=self.user) if required == Kind.SETUP_LINK else None
        context = {
            "email": self.user.email,
            "needs_link": required == Kind.SETUP_LINK,
            "link": link,
            "link_usable": link is not None and link.used_at is None and link.expires_at > clock.now(),
            "optional": self.optional,
            "error": error,
        }
        return render(self.request, TEMPLATE, context, status=status)


@method_decorator(login_stage_required(stage=MailboxStage.key, redirect_urlname="account_login"), name="dispatch")
class SignInConfirmAddressView(PendingSignInPage, _ConfirmAddressPage):
    """During the sign-in, before the set-up page."""

    def dispatch_pending(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        decision = user_mfa_decision(user=self.user)
        if not decision.may_enroll:
            return self.stage.exit()  # nothing to set up now; the last stage checks the rest
        self.optional = decision.may_postpone_enrolment
        refusal = self.stage.state.pop("refusal", None)
        if refusal:
            messages.error(request, refusal)
        return super().dispatch_pending(request, *args, **kwargs)

    def onwards(self) -> HttpResponse:
        return self.stage.exit()

    def later(self) -> HttpResponse:
        if not self.optional:
            return super().later()
        postpone_enrolment(self.request, self.user)
        # Activate later skips the set-up page too: it would only ask for this proof again.
        self.stage.controller.set_handled(EnrolmentStage.key)
        return self.stage.exit()


class AccountConfirmAddressView(_ConfirmAddressPage):
    """A signed-in user sent by a set-up page (mailbox_proven_required): back to it once proven."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        self.user = request.user
        return super().dispatch(request, *args, **kwargs)

    def onwards(self) -> HttpResponse:
        return HttpResponseRedirect(safe_next(self.request))


@never_cache
def confirm_address(request: HttpRequest) -> HttpResponse:
    """The page, in the sign-in (no one signed in yet) or for a signed-in user sent by a set-up page."""
    if request.user.is_authenticated:
        return AccountConfirmAddressView.as_view()(request)
    return SignInConfirmAddressView.as_view()(request)
