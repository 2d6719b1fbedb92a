from __future__ import annotations

from django.core.exceptions import ValidationError

MAX_LENGTH = 256


class MaximumLengthValidator:
    """Allow long passphrases (well over 64 characters) but bound the hashing work."""

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                f"This password is too long: use at most {MAX_LENGTH} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can be up to {MAX_LENGTH} characters long."
