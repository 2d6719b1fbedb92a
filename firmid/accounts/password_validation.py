from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_LENGTH = 256


class MaximumLengthValidator:
    """Allow long passphrases (well over 64 characters) but bound the hashing work."""

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                _("This password is too long: use at most %(max)d characters."),
                code="password_too_long",
                params={"max": MAX_LENGTH},
            )

    def get_help_text(self) -> str:
        return _("Your password can be up to %(max)d characters long.") % {"max": MAX_LENGTH}


MIN_NAME_PART = 3


class UserNameValidator:
    """Refuse a password that contains the user's name or the name in their address.

    Django's UserAttributeSimilarityValidator refuses a password *like* the name, but skips
    one much longer than it ("carol-dupont-2024" passes for Carol Dupont). Here, ignoring
    case and every character that is not a letter or digit, the password may contain
    neither the whole name, nor any word of the name or of the address's local part that
    has at least MIN_NAME_PART characters.
    """

    def validate(self, password: str, user: object = None) -> None:
        squeezed = _letters_and_digits(password)
        if any(part in squeezed for part in _name_parts(user)):
            raise ValidationError(
                _("This password contains your name: choose one that doesn't."), code="password_contains_name"
            )

    def get_help_text(self) -> str:
        return _("Your password can't contain your name.")


def _name_parts(user: object) -> set[str]:
    """The user's whole name and its words, and the words of the address before the @."""
    full_name = getattr(user, "full_name", "") or ""
    local_part = (getattr(user, "email", "") or "").partition("@")[0]
    words = re.split(r"[\W_]+", f"{full_name} {local_part}".casefold())
    parts = {_letters_and_digits(full_name), _letters_and_digits(local_part), *words}
    return {part for part in parts if len(part) >= MIN_NAME_PART}


def _letters_and_digits(text: str) -> str:
    return "".join(character for character in text.casefold() if character.isalnum())
