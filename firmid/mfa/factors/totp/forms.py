"""The authenticator app's set-up forms: the confirming code is checked by firmid's guard."""

from __future__ import annotations

from allauth.core import context
from allauth.mfa.totp import forms as totp_forms
from django import forms

from firmid.audit.actions import AuditAction
from firmid.core.seams.allauth import validate_can_add_authenticator
from firmid.mfa.factors.totp.factor import verify_code
from firmid.mfa.forms import code_field
from firmid.mfa.verification import Outcome, refusal_message


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    """Set-up from My account: the confirming code is checked and spent like any other."""

    code = code_field()

    def clean_code(self) -> str:
        validate_can_add_authenticator(self.user)
        outcome = verify_code(
            user=self.user,
            secret=self.secret,
            raw_code=self.cleaned_data["code"],
            request=context.request,
            purpose=AuditAction.MFA_ENROLMENT,
        )
        if outcome is not Outcome.ACCEPTED:
            raise forms.ValidationError(refusal_message(outcome=outcome, user=self.user), code=outcome.value)
        return self.cleaned_data["code"]


class EnrolForm(forms.Form):
    """The first code from the authenticator app, confirming it was set up."""

    code = code_field()
