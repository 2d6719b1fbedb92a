"""allauth's WebAuthn forms with firmid's checks: the exact origin, user verification recorded, failures audited."""

from __future__ import annotations

from typing import Any

from allauth.core import context
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms
from django.utils.translation import gettext_lazy as _

from firmid.audit.actions import AuditAction, AuditOutcome
from firmid.audit.services import audit_record
from firmid.core.seams.allauth import post_authentication
from firmid.mfa import notifications
from firmid.mfa.factors.webauthn import auth

UNREADABLE = _("Your browser's answer could not be read. Try again.")
WRONG_ORIGIN = _("This passkey answer did not come from this site. Open firmid at its usual address and try again.")

KIND_CHOICES = [
    ("passkey", _("Passkey (on this device or your phone, unlocked with your fingerprint, face or PIN)")),
    ("security_key", _("Security key (a USB or NFC key you plug in or tap)")),
]


def _check_origin(credential: Any) -> None:
    if credential and not auth.origin_allowed(credential):
        raise forms.ValidationError(WRONG_ORIGIN, code="wrong_origin")


def _check_readable(credential: Any) -> None:
    if credential and not auth.registration_readable(credential):
        raise forms.ValidationError(UNREADABLE, code="malformed")


class _CreationMixin:
    """A new key: its kind (a passkey must verify its user), its origin checked before allauth's own checks."""

    def clean(self) -> dict:
        _check_readable(self.cleaned_data.get("credential"))
        _check_origin(self.cleaned_data.get("credential"))
        # allauth refuses a "passwordless" key whose authenticator did not verify its user.
        self.cleaned_data["passwordless"] = self.cleaned_data.get("kind") == "passkey"
        return super().clean()


class AddWebAuthnForm(_CreationMixin, webauthn_forms.AddWebAuthnForm):
    """A passkey or security key added from My account."""

    name = forms.CharField(label=_("Name of this key"), max_length=64, required=False)
    kind = forms.ChoiceField(label=_("Kind of key"), choices=KIND_CHOICES, initial="passkey", widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("passwordless", None)  # the kind says it


class EnrolWebAuthnForm(_CreationMixin, webauthn_forms.SignupWebAuthnForm):
    """A passkey or security key set up on Enhance your account security, during sign-in."""

    name = forms.CharField(label=_("Name of this key"), max_length=64, required=False)
    kind = forms.ChoiceField(label=_("Kind of key"), choices=KIND_CHOICES, initial="passkey", widget=forms.RadioSelect)


class _AssertionMixin:
    """A key's answer: its origin checked first; whether it verified its user kept in the session's record."""

    purpose = AuditAction.MFA_SIGN_IN

    def clean_credential(self) -> Authenticator:
        credential = self.cleaned_data["credential"]
        try:
            _check_origin(credential)
            authenticator = super().clean_credential()
        except forms.ValidationError:
            self._audit_failure()
            raise
        self.user_verified = auth.user_verified(credential)
        return authenticator

    def save(self) -> None:
        post_authentication(
            context.request,
            self.cleaned_data["credential"],
            reauthenticated=self.reauthenticated,
            passwordless=self.passwordless,
            user_verified=self.user_verified,
        )

    def _audit_failure(self) -> None:
        # A passkey sign-in names no user before its answer is verified: the row names none.
        audit_record(
            action=self.purpose,
            outcome=AuditOutcome.FAILURE,
            actor=self.user,
            subject=self.user,
            request=context.request,
            factor_type=Authenticator.Type.WEBAUTHN,
        )
        if self.user is not None and self.purpose == AuditAction.MFA_SIGN_IN:
            # The password was right but the second factor failed: the user is told (ASVS 6.3.5).
            notifications.second_factor_failed(user=self.user, request=context.request, locked=False)


class AuthenticateWebAuthnForm(_AssertionMixin, webauthn_forms.AuthenticateWebAuthnForm):
    """A key used as the second factor at sign-in."""


class LoginWebAuthnForm(_AssertionMixin, webauthn_forms.LoginWebAuthnForm):
    """A passkey used to sign in without a password: allauth demands user verification of it."""


class ReauthenticateWebAuthnForm(_AssertionMixin, webauthn_forms.ReauthenticateWebAuthnForm):
    """A key used to confirm a sensitive change."""

    purpose = AuditAction.MFA_REAUTHENTICATION
