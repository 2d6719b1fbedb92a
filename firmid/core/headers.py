"""Response headers every firmid page needs: the Content-Security-Policy, and no-store on secrets.

The policy itself is `CONTENT_SECURITY_POLICY` in the settings (django-csp). One directive
depends on the page: form-action. Chromium checks form-action on every redirect that
follows a form submission, and a sign-in started by an application ends with the POST of
the password (or code, or set-up) page redirected to /oauth/authorize, then to the
application's redirect_uri. So a page that belongs to an application's sign-in (or
sign-out) allows, besides 'self', the origin of that application's *registered* URI the
flow ends at, and nothing else: an address that is not registered to the application named
by the request never reaches the header, so a crafted link cannot widen the policy.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseBase, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from oauth2_provider.models import get_application_model

# allauth keeps a half-finished sign-in, with the URL it continues to, under this key.
PENDING_LOGIN_SESSION_KEY = "account_login"

# The pages that show a TOTP key or its QR code: firmid's set-up during sign-in, its
# step-up set-up, and allauth's set-up reached from My account.
SECRET_PAGES = frozenset({"firmid_mfa_enrol", "firmid_mfa_step_up", "mfa_activate_totp"})

# What may appear in a CSP source built from a registered URI (anything else is left out).
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_HOST = re.compile(r"[a-z0-9.-]+|\[[0-9a-f:.]+\]")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware; form-action also admits the application a page signs in to."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request=request, response=response, report_only=report_only)
        if report_only or not _is_page(response):
            return parts
        origins = application_origins(request)
        if origins:  # added to the settings' sources, and to a view's own csp_update
            update = dict(parts.update or {})
            update["form-action"] = [*(update.get("form-action") or []), *sorted(origins)]
            parts.update = update
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        # Responses answered before XFrameOptionsMiddleware (outer middleware) are not
        # framed either, for browsers that predate frame-ancestors.
        if not getattr(response, "xframe_options_exempt", False):
            response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        return super().process_response(request, response)


class SecretPagesNotStoredMiddleware:
    """A page that shows a TOTP key is stored by no browser cache, history snapshot or proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in SECRET_PAGES:
            add_never_cache_headers(response)
            response.headers["Pragma"] = "no-cache"  # HTTP/1.0 caches
        return response


def application_origins(request: HttpRequest) -> set[str]:
    """The origins of the registered URIs that this page's forms may end at, via redirects."""
    authorize, logout = reverse("oauth2_provider:authorize"), reverse("oauth2_provider:rp-initiated-logout")
    origins: set[str] = set()
    for url in _flow_urls(request):
        try:
            parts = urlsplit(url)
        except ValueError:  # e.g. a `next` of "http://[" : not a flow, and never a 500
            continue
        if parts.path == authorize:
            origins |= _redirect_origins(parse_qs(parts.query))
        elif parts.path == logout:
            origins |= _post_logout_origins(parse_qs(parts.query))
    return origins


def _flow_urls(request: HttpRequest) -> Iterator[str]:
    """The page itself, the `next` it carries, and the URL a pending sign-in continues to."""
    yield request.get_full_path()
    for candidate in (request.GET.get("next"), _posted_next(request)):
        if isinstance(candidate, str) and candidate:
            yield candidate
    pending = request.session.get(PENDING_LOGIN_SESSION_KEY) if hasattr(request, "session") else None
    if isinstance(pending, dict) and isinstance(pending.get("redirect_url"), str):
        yield pending["redirect_url"]


def _posted_next(request: HttpRequest) -> str | None:
    """The form's `next`; a body the view already refused is not read again."""
    if request.method != "POST":
        return None
    try:
        return request.POST.get("next")
    except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
        return None


def _redirect_origins(query: dict[str, list[str]]) -> set[str]:
    """The origin of the redirect_uri, if the application named by client_id registered it."""
    client_ids, redirect_uris = query.get("client_id", []), query.get("redirect_uri", [])
    if len(client_ids) != 1 or len(redirect_uris) > 1:
        return set()
    application = _registered_application(client_ids[0])
    if application is None:
        return set()
    uri = redirect_uris[0] if redirect_uris else application.default_redirect_uri
    if not uri or not application.redirect_uri_allowed(uri):
        return set()
    return _origin(uri)


# A sign-in shows a page per step, each asking which application it belongs to: the answer
# is kept a minute per process. The header is a browser's second line of defence (the
# provider checks every redirect URI exactly, at every request), so a URI an agent removes
# leaves form-action within a minute rather than at once.
_APPLICATIONS_SECONDS = 60
_APPLICATIONS_MAX = 1024
_applications: dict[str, tuple[float, object]] = {}


def _forget_applications(**kwargs: object) -> None:
    _applications.clear()  # this process sees its own changes at once


post_save.connect(_forget_applications, sender=get_application_model())
post_delete.connect(_forget_applications, sender=get_application_model())


def _registered_application(client_id: str):  # noqa: ANN202
    """The application of `client_id` (or None), as read at most a minute ago by this process."""
    now = time.monotonic()
    kept = _applications.get(client_id)
    if kept is not None and kept[0] > now:
        return kept[1]
    application = get_application_model().objects.filter(client_id=client_id).first()
    if len(_applications) >= _APPLICATIONS_MAX:
        _applications.clear()
    _applications[client_id] = (now + _APPLICATIONS_SECONDS, application)
    return application


def _post_logout_origins(query: dict[str, list[str]]) -> set[str]:
    """The origin of post_logout_redirect_uri, if an application registered it."""
    uris = query.get("post_logout_redirect_uri", [])
    if len(uris) != 1:
        return set()
    candidates = get_application_model().objects.filter(post_logout_redirect_uris__contains=uris[0])
    if not any(application.post_logout_redirect_uri_allowed(uris[0]) for application in candidates):
        return set()
    return _origin(uris[0])


def _origin(uri: str) -> set[str]:
    """The CSP source of a URI: its origin, or its scheme alone for a native app's URI."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if not _SCHEME.fullmatch(scheme):
        return set()
    if not parts.netloc:
        return {f"{scheme}:"}
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        return set()
    if not _HOST.fullmatch(host):
        return set()
    return {f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"}


def _is_page(response: HttpResponseBase) -> bool:
    """An HTML page a browser renders (a redirect's body is never shown)."""
    is_redirect = 300 <= response.status_code < 400
    return not is_redirect and response.get("Content-Type", "").startswith("text/html")
