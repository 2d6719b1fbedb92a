"""The authenticator app (TOTP) as a firmid factor: its codes, its replay claim, its pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from django.urls import path
from django.utils.translation import gettext_lazy as _

from firmid.core import crypto
from firmid.mfa.factors.base import Factor
from firmid.mfa.factors.totp import auth, flows
from firmid.mfa.factors.totp import guard as totp_guard
from firmid.mfa.verification import Outcome, verify_answer

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.urls import URLPattern

    from firmid.accounts.models import User
    from firmid.audit.actions import AuditAction


class TotpFactor(Factor):
    """A code from an authenticator app, accepted once per time step."""

    kind = Authenticator.Type.TOTP.value
    amr = "otp"
    label = _("authenticator app")
    kind_label = _("Authenticator app")
    add_label = _("Add an authenticator app")
    guard_state_cleared = totp_guard.CLEARED
    enrol_url_name = "mfa_activate_totp"
    remove_url_name = "mfa_deactivate_totp"
    replace_url_name = "firmid_mfa_replace_totp"

    def urlpatterns(self) -> list[URLPattern]:
        # Imported when asked: the views use TOTP, defined below.
        from firmid.mfa.factors.totp.views import ActivateTOTPView, DeactivateTOTPView, ReplaceTOTPView

        return [
            path("2fa/totp/activate/", ActivateTOTPView.as_view(), name=self.enrol_url_name),
            path("2fa/totp/deactivate/", DeactivateTOTPView.as_view(), name=self.remove_url_name),
            path("2fa/totp/replace/", ReplaceTOTPView.as_view(), name=self.replace_url_name),
        ]

    def verify(
        self,
        *,
        user: User,
        authenticator: Authenticator,
        raw_code: str,
        request: HttpRequest | None,
        purpose: AuditAction,
    ) -> Outcome:
        secret = crypto.decrypt(authenticator.data["secret"])
        return verify_code(user=user, secret=secret, raw_code=raw_code, request=request, purpose=purpose)

    def remove(self, *, request: HttpRequest, authenticator: Authenticator) -> None:
        flows.remove_totp(request=request, authenticator=authenticator)

    # What the shared guard needs (verification.CodeCheck).

    def parse(self, raw: str) -> str | None:
        return auth.parse_code(raw)

    def match(self, secret: str, code: str) -> int | None:
        return auth.matching_step(secret, code)

    def spend(self, *, user_id: int, proof: object) -> bool:
        return totp_guard.claim_step_and_reset(user_id=user_id, step=proof)


TOTP = TotpFactor()


def verify_code(
    *, user: User, secret: str, raw_code: str, request: HttpRequest | None, purpose: AuditAction
) -> Outcome:
    """Check a code for `user` against `secret`; at most once per time step, within the limits."""
    return verify_answer(check=TOTP, user=user, secret=secret, raw_code=raw_code, request=request, purpose=purpose)
