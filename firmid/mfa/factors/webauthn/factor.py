"""Passkeys and security keys (WebAuthn) as a firmid factor: answered in the browser, never with a typed code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from firmid.mfa.factors.base import Factor, FactorSummary
from firmid.mfa.verification import Outcome

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.urls import URLPattern

    from firmid.accounts.models import User
    from firmid.audit.actions import AuditAction


class WebAuthnFactor(Factor):
    """A key the browser asks to sign a challenge: a passkey, or a security key."""

    kind = Authenticator.Type.WEBAUTHN.value
    amr = "hwk"  # RFC 8176: proof of possession of a hardware-secured key
    label = _("passkey or security key")
    kind_label = _("Passkey or security key")
    add_label = _("Add a passkey or security key")
    takes_typed_code = False
    enrol_url_name = "mfa_add_webauthn"
    remove_url_name = "mfa_remove_webauthn"
    rename_url_name = "mfa_edit_webauthn"
    # A user may hold several keys (a phone's passkey, a spare security key).
    several_allowed = True

    def urlpatterns(self) -> list[URLPattern]:
        # allauth's own paths, so its links land on firmid's pages; imported when asked (the views load forms).
        from firmid.mfa.factors.webauthn.views import AddPasskeyView, RemovePasskeyView, RenamePasskeyView

        return [
            path("2fa/webauthn/add/", AddPasskeyView.as_view(), name=self.enrol_url_name),
            path("2fa/webauthn/keys/<int:pk>/remove/", RemovePasskeyView.as_view(), name=self.remove_url_name),
            path("2fa/webauthn/keys/<int:pk>/edit/", RenamePasskeyView.as_view(), name=self.rename_url_name),
        ]

    def remove_url(self, authenticator: Authenticator) -> str:
        return reverse(self.remove_url_name, kwargs={"pk": authenticator.pk})

    def rename_url(self, authenticator: Authenticator) -> str:
        """Return My account's page that renames this key."""
        return reverse(self.rename_url_name, kwargs={"pk": authenticator.pk})

    def describe(self, authenticator: Authenticator) -> FactorSummary:
        # The name the user gave the key: "Work laptop", "Blue YubiKey".
        return FactorSummary(
            kind=self.kind,
            name=str(authenticator.data.get("name") or self.label),
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
        # A key answers in the browser (firmid.mfa.factors.webauthn.forms), never with a typed code.
        return Outcome.REFUSED

    def remove(self, *, request: HttpRequest, authenticator: Authenticator) -> None:
        # Imported when called: the flows read the selectors, which load this registry.
        from firmid.mfa.factors.webauthn.flows import remove_passkey

        remove_passkey(request=request, authenticator=authenticator)


WEBAUTHN = WebAuthnFactor()
