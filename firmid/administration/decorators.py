"""The gate in front of every page of the Administration application."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from firmid.accounts.permissions import can_view_administration, require_can_change_mfa
from firmid.administration.views.common import render_error
from firmid.core.errors import NotAllowed, ServiceError

STAFF_ONLY = _("The Administration application is for support staff only.")

View = Callable[..., HttpResponse]


def administration_view(view: View) -> View:
    """Admit support agents only; refuse POSTs of agents who may not change MFA; render refusals."""

    @wraps(view)
    def gated(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_view_administration(request.user):
            return render_error(request, NotAllowed(STAFF_ONLY))
        try:
            if request.method == "POST":
                # Every POST here is a change only level 2/3 may make; the services check again.
                require_can_change_mfa(request.user)
            return view(request, *args, **kwargs)
        except ServiceError as error:
            return render_error(request, error)

    return gated
