"""The pages of a pending sign-in: each reads its stage once and ends the sign-in if the account changed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import View

from firmid.core.seams.allauth import login_stage_of
from firmid.signin.stages import account_changed, refuse_sign_in


class PendingSignInPage(View):
    """A page shown between the password and the session (code, set-up, recovery codes, trust...).

    A reset, a disable or a new password meanwhile ends the sign-in here, before the page
    reads anything the user posted. Pages add their own checks in `dispatch_pending`.
    """

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        self.stage = login_stage_of(request)
        self.user = self.stage.login.user
        changed = account_changed(self.stage)
        if changed:
            return refuse_sign_in(request, self.stage.login, detail=changed)
        return self.dispatch_pending(request, *args, **kwargs)

    def dispatch_pending(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        """Check what the page needs of the pending sign-in, then serve it (nothing more by default)."""
        return super().dispatch(request, *args, **kwargs)
