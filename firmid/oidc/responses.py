"""Authorization responses in the response mode the request asked for: query or form_post.

OAuth 2.0 Form Post Response Mode: the response parameters (code, state, iss; or error,
error_description, state, iss) are the fields of an HTML form POSTed to the redirect_uri,
never in a URL. The page submits itself with a script file, as the Content-Security-Policy
allows no inline script, and its form-action admits the redirect_uri's origin.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from csp.decorators import csp_update
from django.core.exceptions import DisallowedRedirect
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

RESPONSE_MODES = ("query", "form_post")  # fragment is not offered: only response_type=code exists


def requested_form_post(request: HttpRequest) -> bool:
    """Did the authorization request ask for response_mode=form_post (once, as it must)?"""
    return request.GET.getlist("response_mode") == ["form_post"]


def response_parameters(location: str, redirect_uri: str) -> list[tuple[str, str]]:
    """The response's own parameters in `location`: those after the redirect_uri's query, if any."""
    sent = parse_qsl(urlsplit(location).query, keep_blank_values=True)
    # The redirect_uri's query comes first, without iss (RFC 9207: the issuer's, once).
    own = [(k, v) for k, v in parse_qsl(urlsplit(redirect_uri).query, keep_blank_values=True) if k != "iss"]
    return sent[len(own) :] if sent[: len(own)] == own else sent


def form_post_response(
    request: HttpRequest, *, redirect_uri: str, location: str, allowed_schemes: list[str], application_name: str
) -> HttpResponse:
    """The page that POSTs the response of `location` to `redirect_uri`, a registered URI."""
    parts = urlsplit(redirect_uri)
    if parts.scheme not in allowed_schemes:  # as DOT's OAuth2ResponseRedirect refuses it
        raise DisallowedRedirect(f"Redirect to scheme {parts.scheme!r} is not permitted")
    context = {
        "action": redirect_uri,
        "params": response_parameters(location, redirect_uri),
        "application_name": application_name,
    }
    response = render(request, "oidc/form_post.html", context)
    add_never_cache_headers(response)  # the page carries a code
    response["Pragma"] = "no-cache"
    # The page's one form goes to the application (form-action), nowhere else.
    return csp_update({"form-action": [f"{parts.scheme}://{parts.netloc}"]})(lambda: response)()
