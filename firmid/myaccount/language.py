"""The language switch: on every page's header, the sign-in page's included, and in My account."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from firmid.accounts.language import save_language, supported

FOLLOW_BROWSER = ""


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Remember the language chosen: in a cookie, and for a signed-in user in their account.

    An empty choice (My account's *Follow my browser*) forgets both.
    """
    raw = request.POST.get("language", "")
    language = supported(raw) if raw != FOLLOW_BROWSER else FOLLOW_BROWSER
    if language is None or (raw and language != raw):
        return HttpResponseBadRequest(_("This language is not offered."), content_type="text/plain; charset=utf-8")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
    if request.user.is_authenticated:
        save_language(request.user, language)
    return response
