from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from allauth.account import forms as account_forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def login_hint(next_url: str) -> str | None:
    """The email an application suggested (OIDC login_hint) in the sign-in's next URL."""
    hints = parse_qs(urlparse(next_url).query).get("login_hint", [])
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
