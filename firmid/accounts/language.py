"""Which language a person reads firmid in (docs/i18n.md).

On a page: the signed-in user's saved choice, else the switch's cookie, else the browser's
Accept-Language, else English (Django's LocaleMiddleware does all but the first). In an
email, which the recipient may not have asked for: their saved choice, else the language of
their last sign-in, else English; whoever triggers it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from allauth.account.signals import authentication_step_completed
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.utils import translation

if TYPE_CHECKING:
    from firmid.accounts.models import User


def supported(code: str | None) -> str | None:
    """The supported language `code` names (fr-FR → fr), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_of(user: User | None) -> str:
    """The language to write to `user` in when they are not the one reading the page."""
    if user is None:
        return settings.LANGUAGE_CODE
    return supported(user.language) or supported(user.last_language) or settings.LANGUAGE_CODE


def written_to(user: User | None) -> AbstractContextManager[None]:
    """`with written_to(user):` renders emails and messages in the recipient's language."""
    return translation.override(language_of(user))


def save_language(user: User, language: str) -> None:
    """Keep the user's own choice ("" = follow the browser)."""
    if user.language != language:
        user.__class__.objects.filter(pk=user.pk).update(language=language)
        user.language = language


def remember_sign_in_language(user: User, language: str | None) -> None:
    """Keep the language a sign-in happened in, for the emails the user did not ask for."""
    language = supported(language) or ""
    if language and user.last_language != language:
        user.__class__.objects.filter(pk=user.pk).update(last_language=language)
        user.last_language = language


class UserLanguageMiddleware:
    """A signed-in user's saved language beats the cookie and the browser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        # Only where a session is: the API's bearer requests and the OAuth endpoints carry none.
        if user is not None and request.COOKIES.get(settings.SESSION_COOKIE_NAME) and user.is_authenticated:
            chosen = supported(user.language)
            if chosen and chosen != translation.get_language():
                translation.activate(chosen)
                request.LANGUAGE_CODE = chosen
        return self.get_response(request)


def _on_signed_in(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    if request is not None:
        remember_sign_in_language(user, getattr(request, "LANGUAGE_CODE", None))


user_logged_in.connect(_on_signed_in, dispatch_uid="firmid.accounts.language")
# Also once the password is accepted: the emails of the sign-in's own steps (a first MFA set-up)
# go before user_logged_in, and must already be in the language the user is signing in in.
authentication_step_completed.connect(_on_signed_in, dispatch_uid="firmid.accounts.language.step")
