"""allauth's MFA forms, checked by firmid's guard: strict codes, one use per step, shared limits."""

from __future__ import annotations

from allauth.account.internal.stagekit import clear_login
from allauth.core import context
from allauth.mfa.base import forms as base_forms
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import forms as totp_forms
from django import forms

from firmid.mfa import crypto
from firmid.mfa.verification import Outcome, refusal_message, verify_code

CODE_WIDGET = forms.TextInput(
    attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "maxlength": 16}
)


def code_field() -> forms.CharField:
    return forms.CharField(label="Code", max_length=64, strip=False, widget=CODE_WIDGET)


class _GuardedAuthenticateMixin:
    purpose = "mfa_sign_in"

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        totp = Authenticator.objects.filter(user=self.user, type=Authenticator.Type.TOTP).first()
        if totp is None:
            raise forms.ValidationError(Outcome.REFUSED.message)
        secret = crypto.decrypt(totp.data["secret"])
        outcome = verify_code(
            user=self.user, secret=secret, raw_code=code, request=context.request, purpose=self.purpose
        )
        if outcome is Outcome.LOCKED and self.purpose == "mfa_sign_in":
            # A lock ends the half-finished sign-in: the next try starts from the password.
            clear_login(context.request)
        if outcome is not Outcome.ACCEPTED:
            raise forms.ValidationError(refusal_message(outcome=outcome, user=self.user), code=outcome.value)
        totp.user = self.user
        self.authenticator = totp
        return code


class AuthenticateForm(_GuardedAuthenticateMixin, base_forms.AuthenticateForm):
    code = code_field()


class ReauthenticateForm(_GuardedAuthenticateMixin, base_forms.ReauthenticateForm):
    purpose = "mfa_reauthentication"
    code = code_field()


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    """Set-up from My account: the confirming code is checked and spent like any other."""

    code = code_field()

    def clean_code(self) -> str:
        from allauth.mfa.internal.flows.add import validate_can_add_authenticator

        validate_can_add_authenticator(self.user)
        outcome = verify_code(
            user=self.user,
            secret=self.secret,
            raw_code=self.cleaned_data["code"],
            request=context.request,
            purpose="mfa_enrolment",
        )
        if outcome is not Outcome.ACCEPTED:
            raise forms.ValidationError(refusal_message(outcome=outcome, user=self.user), code=outcome.value)
        return self.cleaned_data["code"]


class EnrolForm(forms.Form):
    """The first code from the authenticator app, confirming it was set up."""

    code = code_field()
