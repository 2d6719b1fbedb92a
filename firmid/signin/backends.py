"""allauth's authentication backend, loading the session's user with their MFA snapshot."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.http import HttpRequest

from firmid.accounts.attempts import mark_password_refused
from firmid.accounts.models import User
from firmid.accounts.selectors import user_by_address
from firmid.mfa.selectors import user_with_snapshot


class AuthenticationBackend(AllauthBackend):
    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> User | None:
        user = super().authenticate(request, **credentials)
        if user is None and request is not None:
            mark_password_refused(request)
        return user

    def get_user(self, user_id: object) -> User | None:
        """The signed-in user of a request, read with what the MFA decision needs (one query)."""
        user = user_with_snapshot(user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _authenticate_by_email(self, email: str, password: str) -> User | None:
        # The user's one address signs in, never another allauth address row (issue 7, item 2).
        # seam: allauth's private _authenticate_by_email and _check_password (firmid/core/seams/allauth.py).
        if not email:
            return None
        return self._check_password(user_by_address(email=email), password)
