"""allauth's set-up and removal pages of My account, each change committed with its audit row.

allauth stores or deletes the factor, then sends authenticator_added only once that is
committed (on_commit) and authenticator_removed outside any transaction: an audit row
written from those signals could be lost while the change stays. Here allauth's own
form_valid (or its removal flow) runs inside firmid's transaction, which also writes the audit row.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.totp import views as totp_views
from django.db import transaction
from django.http import HttpResponse
from django.views.generic.edit import FormView

from firmid.mfa.factors.totp.factor import TOTP
from firmid.mfa.factors.totp.flows import audit_factor_added


class ActivateTOTPView(totp_views.ActivateTOTPView):
    """Set the authenticator app up from My account: the factor and its audit row, or neither."""

    def form_valid(self, form) -> HttpResponse:  # noqa: ANN001
        user = self.request.user
        with transaction.atomic():
            # allauth's notice and mail wait for the commit (its on_commit): none for a refused row.
            response = super().form_valid(form)
            authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
            audit_factor_added(request=self.request, user=user, authenticator=authenticator)
        return response


class DeactivateTOTPView(totp_views.DeactivateTOTPView):
    """Remove the authenticator app from My account: the removal and its audit row, or neither."""

    def form_valid(self, form) -> HttpResponse:  # noqa: ANN001
        TOTP.remove(request=self.request, authenticator=self.authenticator)
        # allauth's own form_valid would remove it a second time: only its redirect is wanted.
        return FormView.form_valid(self, form)
