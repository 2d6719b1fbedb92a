"""Setting a factor up proves its possession with a code: it counts as a second factor used.

One rule for firmid's enrolment during sign-in (firmid.mfa.factors.totp.flows) and for a set-up
from My account in a signed-in session (firmid.oidc.receivers): either way, an application
that asks for MFA then finds it in this session (a step-up through enrolment).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmid.core.seams.allauth import record_authentication

if TYPE_CHECKING:
    from allauth.mfa.models import Authenticator
    from django.http import HttpRequest

    from firmid.accounts.models import User


def count_enrolment_as_second_factor(request: HttpRequest, *, user: User, authenticator: Authenticator) -> None:
    """Record the factor just set up as this session's second factor."""
    record_authentication(request, user, "mfa", type=authenticator.type, id=authenticator.pk)
