"""The sign-in page, identifier first: the address, then the firm's identity provider or the password.

The address step is a POST to this same page without a password. Its answer is the password
step itself (no redirect, nothing kept in the session), or, for an address under SSO, the
way to the firm's provider (`firmid.signin.federation`). An unknown address gets the password
step like any password user. allauth's LoginView limits every POST here (its `login` rate).
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account import views as account_views
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from firmid.mfa.factors.webauthn.flows import passwordless_offered
from firmid.signin.destinations import next_url_destination_name
from firmid.signin.federation import redirect_to_start
from firmid.signin.views import safe_next
from firmid.sso.selectors import connection_for_address


class LoginView(account_views.LoginView):
    """allauth's sign-in page in two steps: the address, then the password (or the firm's provider)."""

    step = ""  # set by the address step; else the method says (GET: the address, POST: the password)
    address_invalid = False

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        if "password" in request.POST:
            return super().post(request, *args, **kwargs)
        return self._address_step(request)

    def _address_step(self, request: HttpRequest) -> HttpResponse:
        email = request.POST.get("login", "").strip()
        try:
            validate_email(email)
        except ValidationError:
            return self._step("identify", email, invalid=True)
        connection = connection_for_address(email=email)
        if connection is not None:
            next_url = safe_next(request) if request.POST.get("next") else ""
            return redirect_to_start(connection, next_url=next_url, login_hint=email)
        return self._step("password", email)

    def _step(self, step: str, email: str, *, invalid: bool = False) -> HttpResponse:
        self.step, self.address_invalid = step, invalid
        form = self.get_form_class()(request=self.request, initial={"login": email})
        return self.render_to_response(self.get_context_data(form=form), status=400 if invalid else 200)

    def get_context_data(self, **kwargs) -> dict:  # noqa: ANN003
        step = self.step or ("password" if self.request.method == "POST" else "identify")
        query = {"next": self.request.POST.get("next") or self.request.GET.get("next") or ""}
        return {
            **super().get_context_data(**kwargs),
            "step": step,
            "identify_invalid": self.address_invalid,
            # "Sign in to continue to Documents": the registered name of the application in `next`.
            "application_name": next_url_destination_name(query["next"]),
            "identify_again_url": f"{reverse('account_login')}?{urlencode({k: v for k, v in query.items() if v})}",
            # Offered to everyone or no one: showing it per address would tell who has an account.
            "passkey_offered": step == "identify" and passwordless_offered(),
        }
