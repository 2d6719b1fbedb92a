"""Setting a factor up proves its possession with a code: it counts as a second factor used.

One receiver for every set-up: firmid's enrolment during sign-in (firmid.mfa.factors.totp.flows)
and allauth's pages of My account in a signed-in session both send allauth's
authenticator_added; either way, an application that asks for MFA then finds it in this
session (a step-up through enrolment), and the sign-in's last stage finds its second factor.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals

from firmid.core.seams.allauth import record_authentication


def count_enrolment_as_second_factor(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    """Record the factor just set up as this session's second factor."""
    if request is not None:
        record_authentication(request, user, "mfa", type=authenticator.type, id=authenticator.pk)


def connect() -> None:
    signals.authenticator_added.connect(count_enrolment_as_second_factor, dispatch_uid="firmid_mfa_step_up")
