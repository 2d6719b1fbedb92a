"""The recovery-code field of the sign-in: a code spent through the shared guard, recorded as allauth's forms do."""

from __future__ import annotations

from allauth.core import context
from allauth.mfa.base import forms as base_forms
from django import forms
from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from firmid.audit.actions import AuditAction
from firmid.core.seams.allauth import clear_login
from firmid.mfa.factors.recovery_codes import codes
from firmid.mfa.factors.recovery_codes.flows import RecoveryCodeUse, use_recovery_code
from firmid.mfa.verification import Outcome, refusal_message

_MESSAGES = {
    Outcome.MALFORMED: gettext_lazy(
        "Enter a recovery code as it was given to you: 24 letters and digits (dashes are optional)."
    ),
    Outcome.REFUSED: gettext_lazy("This recovery code is not valid."),
    Outcome.REPLAYED: gettext_lazy("This recovery code was already used: each code works once. Enter another one."),
}


def recovery_code_field() -> forms.CharField:
    widget = forms.TextInput(
        attrs={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "autofocus": True,
            "maxlength": codes.LENGTH * 2,
        }
    )
    return forms.CharField(label=gettext_lazy("Recovery code"), max_length=codes.LENGTH * 2, strip=False, widget=widget)


def checked_recovery_code(*, user, raw_code: str, purpose: AuditAction = AuditAction.MFA_SIGN_IN) -> RecoveryCodeUse:  # noqa: ANN001
    """Spend a recovery code typed at sign-in, or raise the words for its refusal; a lock ends the sign-in."""
    used = use_recovery_code(user=user, raw_code=raw_code, request=context.request, purpose=purpose)
    if used.outcome is Outcome.ACCEPTED:
        _tell_codes_left(used)
        return used
    if used.outcome is Outcome.LOCKED:
        # A lock ends the half-finished sign-in: the next try starts from the password.
        clear_login(context.request)
        raise forms.ValidationError(refusal_message(outcome=used.outcome, user=user), code=used.outcome.value)
    raise forms.ValidationError(_MESSAGES[used.outcome], code=used.outcome.value)


def _tell_codes_left(used: RecoveryCodeUse) -> None:
    """Say on the page after sign-in how many codes remain; with few, point to a new set."""
    if not used.few_left:
        return
    if used.left:
        text = ngettext(
            "You signed in with a recovery code and have %(count)d recovery code left. Generate a new set in "
            "My account, Security (Recovery codes); if you lost your authenticator, set a new one up there too.",
            "You signed in with a recovery code and have %(count)d recovery codes left. Generate a new set in "
            "My account, Security (Recovery codes); if you lost your authenticator, set a new one up there too.",
            used.left,
        ) % {"count": used.left}
    else:
        text = _(
            "You signed in with a recovery code and have no recovery codes left. Generate a new set in "
            "My account, Security (Recovery codes); if you lost your authenticator, set a new one up there too."
        )
    messages.warning(context.request, text)


class RecoveryCodeAuthenticateForm(base_forms.AuthenticateForm):
    """A recovery code instead of the authenticator's: allauth records it as this sign-in's "mfa"."""

    code = recovery_code_field()

    def clean_code(self) -> str:
        self.used = checked_recovery_code(user=self.user, raw_code=self.cleaned_data["code"])
        self.authenticator = self.used.authenticator
        self.authenticator.user = self.user
        return self.cleaned_data["code"]
