"""The pages of a sign-in through a firm's identity provider that did not happen, and their audit rows.

Each says why in plain words, names the firm, offers a retry where the connection is still
enabled, and writes an `sso_sign_in` audit row with the reason code (in a transaction of
its own: nothing else of the sign-in was written).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from firmid.audit.actions import AuditAction, AuditOutcome
from firmid.audit.services import audit_record
from firmid.sso import upstream
from firmid.sso.models import SsoConnection
from firmid.sso.rules import Refusal

# What the user reads, per refusal of the linking rules (the audit keeps the code): `% {"firm": name}`.
REFUSALS = {
    Refusal.OTHER_FIRM: gettext_lazy(
        "This account of %(firm)s's identity provider is linked to a firmid user it does not manage."
    ),
    Refusal.INACTIVE: gettext_lazy("Your firmid account is disabled. Ask %(firm)s's support to enable it."),
    Refusal.NO_EMAIL: gettext_lazy(
        "%(firm)s's identity provider did not give your email address, so firmid cannot find your account."
    ),
    Refusal.EMAIL_NOT_VERIFIED: gettext_lazy(
        "%(firm)s's identity provider does not confirm that your email address is verified."
    ),
    Refusal.EMAIL_OF_OTHER_FIRM: gettext_lazy(
        "Your address belongs to a firmid account that %(firm)s's identity provider does not manage."
    ),
    Refusal.ALREADY_LINKED: gettext_lazy(
        "Your firmid account is already linked to another account of %(firm)s's identity provider."
    ),
    Refusal.UNKNOWN_USER: gettext_lazy(
        "You have no firmid account yet, and %(firm)s does not create accounts at first sign-in. Ask %(firm)s's support."
    ),
    Refusal.NO_CLIENT_COMPANY: gettext_lazy(
        "%(firm)s's connection names no client company for new users. Ask %(firm)s's support."
    ),
}
NO_MFA = gettext_lazy("%(firm)s requires a second factor at its identity provider, and this sign-in used none.")
STEP_UP_FAILED = gettext_lazy(
    "The application asks for a second factor, and %(firm)s's identity provider did not confirm one."
)
EXPIRED = gettext_lazy("This sign-in link has expired or was already used. Start again from the sign-in page.")


def upstream_failure(
    request: HttpRequest, connection: SsoConnection, error: upstream.UpstreamError, *, next_url: str
) -> HttpResponse:
    message = _("firmid could not complete your sign-in with %(firm)s's identity provider. %(problem)s") % {
        "firm": connection.firm.name,
        "problem": error.message,
    }
    return failure(request, connection, reason=error.problem.value, message=message, status=502, next_url=next_url)


def failure(
    request: HttpRequest,
    connection: SsoConnection | None,
    *,
    reason: str,
    message: str,
    status: int = 403,
    next_url: str = "",
    attempted_email: str = "",
) -> HttpResponse:
    """The page of a sign-in that did not happen: its reason in words, a retry, and an audit row."""
    with transaction.atomic():
        audit_record(
            action=AuditAction.SSO_SIGN_IN, outcome=AuditOutcome.REFUSED if status < 500 else AuditOutcome.FAILURE,
            firm=connection.firm if connection else None, user_type=connection.user_type if connection else "",
            request=request, detail=reason[:255], new_value=attempted_email[:254],
        )  # fmt: skip
    retry = None
    if connection is not None and connection.enabled:
        url = reverse("firmid_sso_start", kwargs={"connection": connection.public_id})
        retry = f"{url}?{urlencode({'next': next_url or reverse('myaccount:home')})}"
    context = {"firm": connection.firm if connection else None, "message": message, "retry": retry}
    return render(request, "firmid/signin/sso_failed.html", context, status=status)
