"""allauth's second-factor forms, checked by firmid's guard: strict codes, one use per step, shared limits."""

from __future__ import annotations

from allauth.core import context
from allauth.mfa.base import forms as base_forms
from django import forms
from django.utils.translation import gettext_lazy as _

from firmid.audit.actions import AuditAction
from firmid.core.seams.allauth import clear_login
from firmid.mfa.factors.recovery_codes.codes import parse_code as parse_recovery_code
from firmid.mfa.factors.recovery_codes.forms import checked_recovery_code
from firmid.mfa.selectors import user_code_factor
from firmid.mfa.verification import Outcome, refusal_message

# Long enough for a pasted recovery code with its dashes (29 characters): the sign-in's code
# field takes one too. The server parses strictly whatever the browser lets through.
CODE_WIDGET = forms.TextInput(
    attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "maxlength": 48}
)


def code_field() -> forms.CharField:
    return forms.CharField(label=_("Code"), max_length=64, strip=False, widget=CODE_WIDGET)


class _GuardedAuthenticateMixin:
    purpose = AuditAction.MFA_SIGN_IN

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if self.purpose == AuditAction.MFA_SIGN_IN and parse_recovery_code(code) is not None:
            # A recovery code typed where the app's code goes: accepted as on its own page
            # (never at re-authentication: the codes are for a lost authenticator).
            self.authenticator = checked_recovery_code(user=self.user, raw_code=code).authenticator
            self.authenticator.user = self.user
            return code
        found = user_code_factor(user=self.user)
        if found is None:
            raise forms.ValidationError(Outcome.REFUSED.message)
        factor, authenticator = found
        outcome = factor.verify(
            user=self.user, authenticator=authenticator, raw_code=code, request=context.request, purpose=self.purpose
        )
        if outcome is Outcome.LOCKED and self.purpose == AuditAction.MFA_SIGN_IN:
            # A lock ends the half-finished sign-in: the next try starts from the password.
            clear_login(context.request)
        if outcome is not Outcome.ACCEPTED:
            raise forms.ValidationError(refusal_message(outcome=outcome, user=self.user), code=outcome.value)
        authenticator.user = self.user
        self.authenticator = authenticator
        return code


class AuthenticateForm(_GuardedAuthenticateMixin, base_forms.AuthenticateForm):
    code = code_field()


class ReauthenticateForm(_GuardedAuthenticateMixin, base_forms.ReauthenticateForm):
    purpose = AuditAction.MFA_REAUTHENTICATION
    code = code_field()
