"""Which browser origins may read the answers of the token, userinfo and revocation endpoints.

django-cors-headers speaks CORS on the paths of CORS_URLS_REGEX (it answers preflights,
writes the Access-Control-* headers and `Vary: Origin`) and allows no origin by itself:
this receiver of its `check_request_enabled` signal decides, request by request, from the
origins each application registered (DOT's `Application.allowed_origins`):

- a request that names an application (the client id of a token or revocation request,
  in the form or HTTP Basic; the access token presented to userinfo) is readable by that
  application's origins only;
- a preflight carries no body and no token, and a request may name no known application
  (no or an unknown client id, no or an unknown token, so the answer is an error): then
  an origin registered by any application is granted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from urllib.parse import unquote_plus

from corsheaders.conf import conf
from corsheaders.signals import check_request_enabled
from django.core.exceptions import SuspiciousOperation
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from oauth2_provider.models import get_access_token_model, get_application_model

Application = get_application_model()
AccessToken = get_access_token_model()
USERINFO = "/oauth/userinfo/"
# What reading a body the view already read (or refused) may raise: the answer is then no grant.
_UNREADABLE = (SuspiciousOperation, RawPostDataException, MultiPartParserError, OSError, ValueError)


@receiver(check_request_enabled, dispatch_uid="firmid.oidc.cors")
def origin_registered_for_request(sender, request: HttpRequest, **kwargs) -> bool:  # noqa: ANN001, ANN003
    """Grant CORS to the request's Origin if the application it names registered that origin."""
    # django-cors-headers asks this of every request: any other path is never granted.
    origin = request.headers.get("Origin")
    if not origin or not re.match(conf.CORS_URLS_REGEX, request.path_info):
        return False
    if request.method == "OPTIONS":
        return _registered_by_any(origin)
    origins = _origins_of_named_application(request)
    return _registered_by_any(origin) if origins is None else origin in origins


def _registered_by_any(origin: str) -> bool:
    candidates = Application.objects.filter(allowed_origins__contains=origin).values_list("allowed_origins", flat=True)
    return any(origin in registered.split() for registered in candidates)


def _origins_of_named_application(request: HttpRequest) -> list[str] | None:
    """The origins of the application the request names; None when it names no known one."""
    if request.path_info == USERINFO:
        token = _bearer_token(request)
        found = AccessToken.objects.filter(token_checksum=hashlib.sha256(token.encode()).hexdigest()) if token else None
        registered = found.values_list("application__allowed_origins", flat=True).first() if found else None
    else:
        client_id = _client_id(request)
        found = Application.objects.filter(client_id=client_id) if client_id else None
        registered = found.values_list("allowed_origins", flat=True).first() if found else None
    return None if registered is None else registered.split()


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return token.strip() or None
    return _posted(request, "access_token")  # RFC 6750 2.2, the form-encoded body


def _client_id(request: HttpRequest) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return _posted(request, "client_id")
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    # RFC 6749 2.3.1: the client id is form-encoded before it is put in the header.
    return unquote_plus(decoded.partition(":")[0]) or None


def _posted(request: HttpRequest, name: str) -> str | None:
    if request.method != "POST":
        return None
    try:
        return request.POST.get(name) or None
    except _UNREADABLE:
        return None
