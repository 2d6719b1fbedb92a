from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from allauth.account import forms as account_forms
from allauth.core import context
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from firmid.accounts.selectors import user_by_address
from firmid.accounts.services import user_set_password
from firmid.audit.actions import AuditAction


def login_hint(next_url: str) -> str | None:
    """The email an application suggested (OIDC login_hint) in the sign-in's next URL."""
    try:
        hints = parse_qs(urlparse(next_url).query).get("login_hint", [])
    except ValueError:  # e.g. an unclosed IPv6 host: no hint, never a 500
        return None
    hint = hints[0].strip() if hints else ""
    try:
        validate_email(hint)
    except ValidationError:
        return None
    return hint


class LoginForm(account_forms.LoginForm):
    """allauth's sign-in form, with the email prefilled from an application's login_hint."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        hint = login_hint(self.request.GET.get("next", "")) if self.request is not None else None
        if hint and not self.is_bound:
            self.initial.setdefault("login", hint)


class ResetPasswordForm(account_forms.ResetPasswordForm):
    """allauth's reset request, finding the user by their one address only."""

    def clean_email(self) -> str:
        # An address that is not a user's one address gets the unknown answer (no enumeration).
        user = user_by_address(email=self.cleaned_data["email"])
        self.users = [user] if user is not None and user.is_active else []
        return self.cleaned_data["email"]


class _NewPasswordForm:
    """Save the new password through firmid's service: every session and token ends, one audit row."""

    event: AuditAction

    def save(self) -> None:
        user_set_password(
            user=self.user, password=self.cleaned_data["password1"], action=self.event, request=context.request
        )


class ChangePasswordForm(_NewPasswordForm, account_forms.ChangePasswordForm):
    event = AuditAction.PASSWORD_CHANGED


class SetPasswordForm(_NewPasswordForm, account_forms.SetPasswordForm):
    event = AuditAction.PASSWORD_SET


class ResetPasswordKeyForm(_NewPasswordForm, account_forms.ResetPasswordKeyForm):
    event = AuditAction.PASSWORD_RESET
