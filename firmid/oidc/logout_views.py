"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): DOT's end_session endpoint, GET or POST.

- POST is the same request as GET, its parameters in the form body (section 2), so an
  application's cross-site POST carries no CSRF token. The answer the user gives on
  firmid's confirmation page is a form of firmid, and stays CSRF-checked.
- The id_token_hint is checked by its signature, issuer and audience (hints.py), as an
  expired one may be (section 2), and not by DOT's row of the ID token: that row is
  deleted when a logout of another application revokes the user's tokens, and the second
  application's logout must still end at its post_logout_redirect_uri.
- Nobody is signed out without a question unless the hint is of the signed-in user and of
  this very session (section 2: "MUST ask ... if the supplied ID Token does not belong to
  the current OP session"): a cross-site request, with no hint, another user's or an
  old one, shows the confirmation page (logout CSRF).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from oauth2_provider import views as dot_views
from oauth2_provider.exceptions import ClientIdMissmatch, InvalidIDTokenError, InvalidOIDCClientError
from oauth2_provider.models import get_application_model

from firmid.oidc.context import session_auth_context
from firmid.oidc.hints import hinted_subject

# Fields only firmid's confirmation page posts (its CSRF token, the Logout button).
CONFIRMATION_FIELDS = ("csrfmiddlewaretoken", "allow")
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class LogoutHint:
    """What a verified id_token_hint says: to whom it was issued, about whom, from which sign-in."""

    client_id: str
    subject: str
    auth_time: int | None


def _claims(token: str) -> dict:
    """The claims of a compact JWS, unverified: read to find the audience to verify it for."""
    # Compact serialization only: jwcrypto also takes a JSON one, whose signed payload need
    # not be the second dot-separated segment read here.
    if not COMPACT_JWS.fullmatch(token):
        return {}
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error, RecursionError):  # RecursionError: deeply nested JSON
        return {}
    return claims if isinstance(claims, dict) else {}


def logout_hint(token: str, *, client_id: str | None) -> LogoutHint:
    """The hint, verified; DOT's errors for a token firmid did not sign or issued to another client."""
    claims = _claims(token)
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    issued_to = claims.get("azp") or (audiences[0] if audiences else None)
    subject = hinted_subject(token, client_id=issued_to) if isinstance(issued_to, str) else None
    if subject is None:  # signature, issuer and audience checked; the claims read above are these
        raise InvalidIDTokenError()
    if client_id and client_id not in audiences:
        raise ClientIdMissmatch()
    auth_time = claims.get("auth_time")
    return LogoutHint(issued_to, subject, auth_time if isinstance(auth_time, int) else None)


def _user(subject: str):  # noqa: ANN202
    try:
        public_id = uuid.UUID(subject)
    except ValueError:
        return None
    return get_user_model().objects.filter(public_id=public_id).first()


@method_decorator(csrf_exempt, name="dispatch")
class RPInitiatedLogoutView(dot_views.RPInitiatedLogoutView):
    """DOT's end_session endpoint by GET or POST; the hint by signature; the prompt when unsure."""

    http_method_names = ["get", "post", "head", "options"]
    hint: LogoutHint | None = None

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        if any(field in request.POST for field in CONFIRMATION_FIELDS):
            return self._confirmation(request, *args, **kwargs)
        request.GET = request.POST  # DOT's get() reads the logout request's parameters from GET
        return self.get(request, *args, **kwargs)

    @method_decorator(csrf_protect)
    def _confirmation(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        """The user's answer on the confirmation page: firmid's own form, so CSRF-checked."""
        return super().post(request, *args, **kwargs)

    def validate_logout_request(self, id_token_hint, client_id, post_logout_redirect_uri):  # noqa: ANN001, ANN201
        self.hint = logout_hint(id_token_hint, client_id=client_id) if id_token_hint else None
        application = self._application(client_id or (self.hint.client_id if self.hint else None))
        self.validate_post_logout_redirect_uri(application, post_logout_redirect_uri)
        return application, _user(self.hint.subject) if self.hint else None

    @staticmethod
    def _application(client_id: str | None):  # noqa: ANN205
        if not client_id:
            return None
        application = get_application_model().objects.filter(client_id=client_id).first()
        if application is None:  # DOT's get() would raise DoesNotExist: a 500
            raise InvalidOIDCClientError()
        return application

    def must_prompt(self, token_user) -> bool:  # noqa: ANN001
        if super().must_prompt(token_user):  # signed in, and no hint or another user's
            return True
        return self.request.user.is_authenticated and not self._of_this_session()

    def _of_this_session(self) -> bool:
        """Was the hint issued in the signed-in session (same sign-in, same auth_time)?"""
        signed_in_at = int(session_auth_context(self.request)["auth_time"])
        return self.hint is not None and self.hint.auth_time == signed_in_at

    def do_logout(self, application=None, post_logout_redirect_uri=None, state=None, token_user=None):  # noqa: ANN001, ANN201
        # The session that ends is the signed-in user's, and so are the tokens revoked: never
        # the hint's user's (someone else, after the prompt; or nobody signed in any more, and
        # a hint is not a credential that may revoke anyone's tokens).
        return super().do_logout(application, post_logout_redirect_uri, state, token_user=None)
