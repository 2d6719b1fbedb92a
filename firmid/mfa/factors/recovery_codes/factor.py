"""Recovery codes as a firmid factor: the way back when the authenticator is lost.

Not a second factor of their own: they never make a user "Configured" (`counts_as_second_factor`,
and `SECOND_FACTOR_KINDS` leaves them out), the code page and re-authentication do not ask
for them (`takes_typed_code`), and they go with the last factor (allauth's removal flow deletes a
set left without one). A user may also replace the set, or remove it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from firmid.mfa.factors.base import Factor, FactorSummary
from firmid.mfa.factors.recovery_codes import flows, store

if TYPE_CHECKING:
    from allauth.mfa.models import Authenticator
    from django.http import HttpRequest
    from django.urls import URLPattern

    from firmid.accounts.models import User
    from firmid.audit.actions import AuditAction
    from firmid.mfa.verification import Outcome


class RecoveryCodesFactor(Factor):
    """Ten single-use codes of 120 bits, kept as SHA-256 digests."""

    kind = store.KIND
    # RFC 8176 has no value for a look-up secret. "otp" is the one that says what it is: a
    # password good for one use, from a list the user holds (RFC 8176 names HOTP/TOTP as
    # examples, not as the definition). Not "kba" (knowledge-based: questions about the person,
    # which NIST SP 800-63B forbids) and no private value a strict relying party would refuse.
    amr = "otp"
    label = _("recovery codes")
    kind_label = pgettext_lazy("MFA factor", "Recovery codes")  # allauth says "récupération"
    takes_typed_code = False  # asked on their own page (and accepted on the code page), never at re-authentication
    counts_as_second_factor = False
    # My account generates (or regenerates) a set, and removes it.
    enrol_url_name = "firmid_recovery_codes_regenerate"
    remove_url_name = "firmid_recovery_codes_remove"
    replace_url_name = "firmid_recovery_codes_regenerate"
    replace_label = _("Generate new codes")
    add_label = _("Generate recovery codes")

    def urlpatterns(self) -> list[URLPattern]:
        from firmid.mfa.factors.recovery_codes import views

        return [
            path("2fa/recovery-codes/new/", views.RegenerateView.as_view(), name=self.enrol_url_name),
            path("2fa/recovery-codes/", views.ShowView.as_view(), name="firmid_recovery_codes_show"),
            path("2fa/recovery-codes/remove/", views.RemoveView.as_view(), name=self.remove_url_name),
        ]

    def describe(self, authenticator: Authenticator) -> FactorSummary:
        left = store.unused_count(authenticator)
        total = len(authenticator.data.get("unused", [])) + len(authenticator.data.get("used", []))
        return FactorSummary(
            kind=self.kind,
            name=ngettext("%(left)d of %(total)d left", "%(left)d of %(total)d left", left)
            % {"left": left, "total": total},
            added=authenticator.created_at,
            last_used=authenticator.last_used_at,
            kind_label=str(self.kind_label),
        )

    def verify(
        self,
        *,
        user: User,
        authenticator: Authenticator,
        raw_code: str,
        request: HttpRequest | None,
        purpose: AuditAction,
    ) -> Outcome:
        return flows.use_recovery_code(user=user, raw_code=raw_code, request=request, purpose=purpose).outcome

    def remove(self, *, request: HttpRequest, authenticator: Authenticator) -> None:
        flows.recovery_codes_remove(request=request, user=request.user)


RECOVERY_CODES = RecoveryCodesFactor()
