from __future__ import annotations

import logging

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import translation

from firmid.accounts.attempts import password_refused
from firmid.accounts.language import language_of
from firmid.accounts.selectors import user_by_address
from firmid.accounts.services import user_set_password
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core.app_settings import core_settings
from firmid.core.client_address import client_address
from firmid.ops.outages import unavailable_store

logger = logging.getLogger("firmid.accounts")


class AccountAdapter(DefaultAccountAdapter):
    """firmid's hooks into allauth's account flows: addresses, passwords, attempt counting.

    The sign-in's stages and session stamps are added one layer up (firmid.signin.adapter).
    """

    def get_client_ip(self, request: HttpRequest) -> str:
        # The key of the per-address rate limits: the client the trusted proxies name
        # (FIRMID_TRUSTED_PROXIES), never a forwarding header from anyone else.
        address = client_address(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Users are provisioned by their firm and by support, never by self-service.
        return False

    def is_safe_url(self, url: str | None) -> bool:
        # A malformed `next` (an unclosed IPv6 host) is unsafe, not a 500.
        try:
            return super().is_safe_url(url)
        except ValueError:
            return False

    def get_reauthentication_methods(self, user) -> list[dict]:  # noqa: ANN001
        # With a second factor, sensitive changes are confirmed with it (ASVS 7.5.1).
        methods = super().get_reauthentication_methods(user)
        with_mfa = [m for m in methods if m["id"] == "mfa_reauthenticate"]
        return with_mfa or methods

    def authenticate(self, request: HttpRequest, **credentials):  # noqa: ANN003, ANN201
        # allauth counts an attempt as failed before checking it (pre_authenticate) and gives
        # it back on success. An attempt a store failed midway was never checked: give it back
        # too, or a database outage would lock people out after it (issue 12, item 3).
        # A password checked and refused stays counted, whatever fails after the verdict.
        try:
            return super().authenticate(request, **credentials)
        except Exception as error:
            if unavailable_store(error) is not None and not password_refused(request):
                self._give_back_attempt()
            raise

    def _give_back_attempt(self) -> None:
        try:
            self._rollback_login_failed_rl_usage()  # seam: allauth's private API (firmid/core/seams/allauth.py)
        except Exception as error:
            if unavailable_store(error) is None:
                raise
            # The cache is down too: the attempt stays counted, the stricter side.
            logger.warning("unchecked sign-in attempt still counted", extra={"error": type(error).__name__})

    # seam: allauth's private hook (firmid/core/seams/allauth.py).
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:  # noqa: ANN003
        # allauth's key is the site's domain (Host, port included, without django.contrib.sites)
        # plus the login: each Host port gave a locked account five fresh guesses. One key per
        # account, whatever the request says its host is (pinned by test_password_step.py).
        login = str(credentials.get("email", credentials.get("username", ""))).lower()
        return f"{core_settings.ISSUER}:{login}"

    def set_password(self, user, password: str) -> None:  # noqa: ANN001
        # firmid's forms name the event; any other allauth path still ends sessions and tokens.
        user_set_password(user=user, password=password, request=self.request)

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:  # noqa: ANN001
        # The link goes to the user's one address only, whatever address was typed.
        audit_record(action=AuditAction.PASSWORD_RESET_REQUESTED, subject=user, request=self.request)
        super().send_password_reset_mail(user, user.email, context)

    def send_notification_mail(self, template_prefix: str, user, context=None, email=None) -> None:  # noqa: ANN001
        # Notices go to the user's one address, never to another allauth address row.
        super().send_notification_mail(template_prefix, user, context, email or user.email)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth's own emails (password reset, notices) go in their recipient's language,
        # whoever asked for them (docs/i18n.md). An address of no user: the page's language.
        user = context.get("user") or user_by_address(email=email)
        with translation.override(language_of(user) if user is not None else translation.get_language()):
            super().send_mail(template_prefix, email, context)
