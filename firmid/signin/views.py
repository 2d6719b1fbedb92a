from __future__ import annotations

from urllib.parse import urlencode

from allauth.mfa.base import views as mfa_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from firmid.audit.actions import AuditAction
from firmid.core import clock
from firmid.core.errors import ServiceError
from firmid.core.seams.allauth import clear_login, get_authentication_records, login_stage_required
from firmid.mfa.factors.totp import flows as enrolment
from firmid.mfa.factors.totp.factor import TOTP, verify_code
from firmid.mfa.factors.totp.forms import EnrolForm
from firmid.mfa.factors.webauthn import flows as passkeys
from firmid.mfa.factors.webauthn.factor import WEBAUTHN
from firmid.mfa.factors.webauthn.forms import EnrolWebAuthnForm
from firmid.mfa.levels.rollout import user_rollout_deadline
from firmid.mfa.levels.selectors import user_mfa_options
from firmid.mfa.mailbox import mailbox_proven_required
from firmid.mfa.registry import factor
from firmid.mfa.selectors import user_factors, user_mfa_decision
from firmid.mfa.verification import Outcome, refusal_message
from firmid.signin.destinations import next_url_demands_mfa, next_url_destination_name
from firmid.signin.pending import PendingSignInPage
from firmid.signin.stages import EnrolmentStage, account_changed, refuse_sign_in


class AuthenticateView(mfa_views.AuthenticateView):
    """allauth's code page: a refused code is a 4xx, and a reset or disable meanwhile ends the sign-in."""

    # After allauth's own stage check (its dispatch), before a code is read: one read of
    # the pending login per request.
    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        return self._refusal() or super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        return self._refusal() or super().post(request, *args, **kwargs)

    def _refusal(self) -> HttpResponse | None:
        changed = account_changed(self.stage)
        return refuse_sign_in(self.request, self.stage.login, detail=changed) if changed else None

    def form_invalid(self, form) -> HttpResponse:  # noqa: ANN001
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def get_context_data(self, **kwargs) -> dict:  # noqa: ANN003
        user = self.stage.login.user
        kinds = {f.kind for f, _ in user_factors(user=user) if f.counts_as_second_factor}
        if WEBAUTHN.kind not in kinds:
            # No key to ask for: no WebAuthn challenge made (allauth's query and session write).
            self.webauthn_form = None
        return {
            **super().get_context_data(**kwargs),
            "support_agent": user.is_support_agent,
            # A key the firm no longer allows is still offered: it proves the person before an allowed one is added.
            "has_passkey": WEBAUTHN.kind in kinds,
            "has_code_factor": any(factor(kind).takes_typed_code for kind in kinds),
            "application_name": next_url_destination_name(self.stage.login.redirect_url),
        }


class _EnhanceSecurityPage(View):
    """Enhance your account security: the kinds of factor the firm allows for the user's type.

    An authenticator app (the QR code, the key, the first code to confirm) and/or a passkey or
    security key (the browser's creation ceremony, on this same page). A kind the firm does not
    allow is neither shown nor accepted.
    """

    template_name = "firmid/mfa/enrol.html"
    optional = False
    # Who demands MFA, in the page's words: "application", "support" (agents) or "firm".
    required_by = "firm"
    user = None

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(EnrolForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if "later" in request.POST:
            return self._later()
        if "credential" in request.POST:
            return self._enrol_passkey()
        if not self._allows(TOTP.kind):
            return self._render(EnrolForm(), status=403, refusal=_not_allowed(TOTP.label))
        form = EnrolForm(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        secret = enrolment.pending_secret(request, self.user)
        outcome = verify_code(
            user=self.user,
            secret=secret,
            raw_code=form.cleaned_data["code"],
            request=request,
            purpose=AuditAction.MFA_ENROLMENT,
        )
        if outcome is not Outcome.ACCEPTED:
            return self._refused(form, outcome)
        try:
            enrolment.complete_enrolment(request, self.user, secret)
        except ServiceError as error:
            return self._abandon(error.message)
        return self.done()

    def _enrol_passkey(self) -> HttpResponse:
        """The browser's new key: checked (origin, RP id, challenge, user verification for a passkey), then stored."""
        if not self._allows(WEBAUTHN.kind):
            return self._render(EnrolForm(), status=403, refusal=_not_allowed(WEBAUTHN.label))
        form = EnrolWebAuthnForm(data=self.request.POST, user=self.user)
        if not form.is_valid():
            return self._render(EnrolForm(), status=400, passkey_form=form)
        passkeys.complete_enrolment(
            self.request, self.user, name=form.cleaned_data["name"], credential=form.cleaned_data["credential"]
        )
        return self.done()

    def _allows(self, kind: str) -> bool:
        return user_mfa_options(user=self.user).allows(kind)

    def done(self) -> HttpResponse:
        raise NotImplementedError

    def _abandon(self, message: str) -> HttpResponse:
        """End this attempt: the next try starts from the password."""
        clear_login(self.request)
        logout(self.request)
        messages.error(self.request, message)
        return HttpResponseRedirect(reverse("account_login"))

    def _later(self) -> HttpResponse:
        refusal = _("Multi-factor authentication is required here: it cannot be set up later.")
        return self._render(EnrolForm(), status=403, refusal=refusal)

    def _refused(self, form: EnrolForm, outcome: Outcome) -> HttpResponse:
        message = refusal_message(outcome=outcome, user=self.user)
        if outcome is Outcome.LOCKED:
            return self._abandon(message)
        form.add_error("code", message)
        return self._render(form, status=400)

    def _render(self, form: EnrolForm, status: int = 200, refusal: str = "", **extra: object) -> HttpResponse:
        context = {
            "form": form,
            "optional": self.optional,
            "required_by": self.required_by,
            "refusal": refusal,
            # A rollout not reached yet: the day set-up stops being optional.
            "deadline": user_rollout_deadline(user=self.user) if self.optional else None,
            **self._totp_context(),
            **self._passkey_context(),
            **extra,
        }
        return render(self.request, self.template_name, context, status=status)

    def _totp_context(self) -> dict:
        if not self._allows(TOTP.kind):
            return {"totp_allowed": False}
        secret = enrolment.pending_secret(self.request, self.user)
        url = enrolment.totp_url(self.user, secret)
        return {"totp_allowed": True, "secret": secret, "totp_url": url, "qr_svg": enrolment.totp_qr_svg(url)}

    def _passkey_context(self) -> dict:
        if not self._allows(WEBAUTHN.kind):
            return {"passkey_allowed": False}
        # Each page shown makes a new challenge (kept in the session), answered by the next POST.
        options = {"creation_options": passkeys.creation_options(self.user)}
        return {"passkey_allowed": True, "passkey_form": EnrolWebAuthnForm(user=self.user), "passkey_options": options}


@method_decorator(login_stage_required(stage=EnrolmentStage.key, redirect_urlname="account_login"), name="dispatch")
class EnrolView(PendingSignInPage, _EnhanceSecurityPage):
    """During sign-in, as the firm's level says: offered (Suggested) or demanded (Forced).

    Offered becomes demanded when the sign-in is heading to an application that requires
    MFA: "later" would only lead to that application's own set-up page.
    """

    def dispatch_pending(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        decision = user_mfa_decision(user=self.user)
        if decision.asks_for_code:
            # A factor was set up elsewhere meanwhile: this sign-in has not given its code.
            return refuse_sign_in(request, self.stage.login, detail="factor set up elsewhere while signing in")
        if not decision.may_enroll:
            return self.stage.exit()  # nothing to set up now; the last stage checks the rest
        self.required_by = _required_by(self.user, forced=decision.must_enroll, next_url=self.stage.login.redirect_url)
        self.optional = not self.required_by
        return super().dispatch_pending(request, *args, **kwargs)

    def done(self) -> HttpResponse:
        return self.stage.exit()

    def _later(self) -> HttpResponse:
        if not self.optional:
            return self._render(EnrolForm(), status=403, refusal=str(_LATER_REFUSALS[self.required_by]))
        enrolment.postpone_enrolment(self.request, self.user)
        return self.stage.exit()


def _not_allowed(label: str) -> str:
    return _(
        "Your firm does not allow %(label)s as a second factor for your account: use a kind offered on this page."
    ) % {"label": label}


_LATER_REFUSALS = {
    "application": gettext_lazy(
        "The application you are opening requires multi-factor authentication: it cannot be set up later."
    ),
    "support": gettext_lazy("Support staff always use multi-factor authentication: it cannot be set up later."),
    "firm": gettext_lazy("Your firm requires multi-factor authentication: it cannot be set up later."),
}


def _required_by(user, *, forced: bool, next_url: str | None) -> str:  # noqa: ANN001
    """Who demands MFA of this sign-in ("" when nobody does: Activate later is offered)."""
    if forced:
        return "support" if user.is_support_agent else "firm"
    return "application" if next_url_demands_mfa(next_url) else ""


@method_decorator([login_required, mailbox_proven_required], name="dispatch")
class StepUpEnrolView(_EnhanceSecurityPage):
    """A signed-in user without a factor, sent by an application that requires MFA.

    Setting the factor up proves its possession, so the session then counts as MFA and the
    user goes back to `next` (the application's authorization request). The key is the one
    shown earlier in this session, if any: the user may have scanned it already.
    """

    required_by = "application"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        self.user = request.user
        self.next_url = safe_next(request)
        if user_mfa_decision(user=self.user).asks_for_code:
            return HttpResponseRedirect(self.next_url)  # a factor exists: nothing to set up
        if not _recently_authenticated(request):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('account_reauthenticate')}?{query}")
        return super().dispatch(request, *args, **kwargs)

    def done(self) -> HttpResponse:
        self.request.session.cycle_key()  # a step-up is an authentication step
        return HttpResponseRedirect(self.next_url)

    def _render(self, form: EnrolForm, status: int = 200, refusal: str = "", **extra: object) -> HttpResponse:
        return super()._render(form, status, refusal, step_up=True, **extra)


def safe_next(request: HttpRequest) -> str:
    candidate = request.GET.get("next") or request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, {request.get_host()}, require_https=request.is_secure()):
        return candidate
    return reverse("myaccount:home")


def _recently_authenticated(request: HttpRequest) -> bool:
    """Adding a factor needs a recent proof of the password (ASVS 7.5.1)."""
    records = get_authentication_records(request, request.user)
    latest = max((r.get("at", 0) for r in records), default=0)
    return clock.timestamp() - latest < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
