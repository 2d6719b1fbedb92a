"""Signing in with a passkey alone: allauth's passkey sign-in, back to where the user was going.

allauth checks the answer (the credential belongs to the user its handle names, the origin,
the RP id, the signature, user verification); firmid's first login stage then decides whether
this user may sign in without a password (their firm and type, SSO), as for any sign-in.
"""

from __future__ import annotations

from allauth.account.utils import perform_login
from allauth.mfa.webauthn import views as webauthn_views
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from firmid.signin.views import safe_next


class PasskeySignInView(webauthn_views.LoginWebAuthnView):
    """The sign-in page's "Sign in with a passkey": GET gives a challenge (JSON), POST the signed answer."""

    def form_valid(self, form) -> HttpResponse:  # noqa: ANN001
        # Recorded as allauth does, with whether the passkey verified its user (firmid's form).
        form.save()
        authenticator = form.cleaned_data["credential"]
        next_url = safe_next(self.request) if self.request.POST.get("next") else None
        return perform_login(self.request, authenticator.user, redirect_url=next_url)

    def form_invalid(self, form) -> HttpResponse:  # noqa: ANN001
        # allauth's words ("Incorrect code.") fit a code, not a key; nothing says whose key it was.
        messages.error(self.request, REFUSED)
        return HttpResponseRedirect(reverse("account_login"))


REFUSED = gettext_lazy(
    "This passkey was not accepted: it is not set up for a firmid account, or it did not answer this site."
)
