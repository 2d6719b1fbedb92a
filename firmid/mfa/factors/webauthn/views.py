"""Passkeys' pages of My account: add, rename, remove, each change committed with its audit row.

allauth's views run (re-authentication, the ceremony, its notice and mail); the factor and its
audit row commit in one transaction, as for the authenticator app (firmid/mfa/factors/totp/views.py).
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn import views as webauthn_views
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from firmid.core.errors import ServiceError
from firmid.mfa.factors.recovery_codes.flows import has_fresh
from firmid.mfa.factors.totp.flows import audit_factor_added
from firmid.mfa.factors.webauthn import flows
from firmid.mfa.factors.webauthn.factor import WEBAUTHN
from firmid.mfa.mailbox import mailbox_proven_required

MY_ACCOUNT = "myaccount:home"


def _refused_kind(request: HttpRequest) -> HttpResponse | None:
    if request.user.is_authenticated and not flows.may_add(request.user):
        return render(request, "firmid/mfa/method_not_allowed.html", {"method": WEBAUTHN.kind_label}, status=403)
    return None


@method_decorator(mailbox_proven_required, name="dispatch")
class AddPasskeyView(webauthn_views.AddWebAuthnView):
    """Add a passkey or security key from My account, if the firm allows keys for the user's type."""

    template_name = "firmid/mfa/webauthn/add.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        return _refused_kind(request) or super().dispatch(request, *args, **kwargs)

    def get_success_url(self) -> str:
        # A first factor came with a set of recovery codes: shown once, now.
        if has_fresh(self.request, self.request.user):
            return reverse("firmid_recovery_codes_show")
        return reverse(MY_ACCOUNT)

    def get_context_data(self, **kwargs) -> dict:  # noqa: ANN003
        # allauth's drops the posted form (and its errors): keep it. Each render makes a new challenge.
        return {**super().get_context_data(), **kwargs}

    def form_invalid(self, form) -> HttpResponse:  # noqa: ANN001
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form) -> HttpResponse:  # noqa: ANN001
        user = self.request.user
        with transaction.atomic():
            # allauth's notice and mail wait for the commit: none for a refused audit row.
            super().form_valid(form)
            authenticator = Authenticator.objects.filter(user=user, type=WEBAUTHN.kind).latest("pk")
            audit_factor_added(request=self.request, user=user, authenticator=authenticator)
        # Only now, committed, did allauth's authenticator_added run: a first factor's recovery codes exist.
        return HttpResponseRedirect(self.get_success_url())


class RemovePasskeyView(webauthn_views.RemoveWebAuthnView):
    """Remove one of the user's keys: refused while it is their last allowed factor and one is required."""

    template_name = "firmid/mfa/webauthn/remove.html"

    def get_success_url(self) -> str:
        return reverse(MY_ACCOUNT)

    def get_context_data(self, **kwargs) -> dict:  # noqa: ANN003
        kept = not self._may_remove(self.object)
        return {**super().get_context_data(**kwargs), "kept": kept, "summary": WEBAUTHN.describe(self.object)}

    def form_valid(self, form) -> HttpResponse:  # noqa: ANN001
        authenticator = self.get_object()
        try:
            WEBAUTHN.remove(request=self.request, authenticator=authenticator)
        except ServiceError as error:
            self.object = authenticator
            context = {**self.get_context_data(), "refusal": error.message}
            return render(self.request, self.template_name, context, status=error.status)
        return HttpResponseRedirect(self.get_success_url())

    @staticmethod
    def _may_remove(authenticator: Authenticator) -> bool:
        from allauth.mfa.adapter import get_adapter

        return get_adapter().can_delete_authenticator(authenticator)


class RenamePasskeyView(webauthn_views.EditWebAuthnView):
    """Rename one of the user's keys (allauth's page, back to My account)."""

    template_name = "firmid/mfa/webauthn/rename.html"

    def get_success_url(self) -> str:
        messages.success(self.request, _("The key was renamed."))
        return reverse(MY_ACCOUNT)
