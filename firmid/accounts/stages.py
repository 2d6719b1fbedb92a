"""firmid's sign-in stages, run by allauth between the password and the session."""

from __future__ import annotations

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.stages import LoginStage
from allauth.core.internal.httpkit import headed_redirect_response
from django.contrib import messages

from firmid.audit.services import audit_record
from firmid.mfa.selectors import user_mfa_decision
from firmid.policy import Action
from firmid.sso.selectors import firm_sso_issuers


class FirstFactorStage(LoginStage):
    """Right after the password: a new session id, and SSO users sent to their firm's sign-in."""

    key = "firmid_first_factor"

    def handle(self) -> tuple:
        # The session id changes at every authentication step (ASVS 7.2.4).
        self.request.session.cycle_key()
        user = self.login.user
        if _used_password(self.request, user) and user_mfa_decision(user=user).action is Action.SSO:
            audit_record(action="sign_in_password", outcome="refused", actor=user, subject=user,
                         request=self.request, detail="user type signs in through SSO")
            messages.error(self.request, sso_refusal_message(user))
            return headed_redirect_response("account_login"), False
        return None, True


def _used_password(request, user) -> bool:  # noqa: ANN001
    return any(r.get("method") == "password" for r in get_authentication_records(request, user))


def sso_refusal_message(user) -> str:  # noqa: ANN001
    issuer = firm_sso_issuers(firm=user.firm).get(user.user_type, "")
    return (
        f"{user.firm.name} signs you in through its own identity provider: "
        f"use your firm's sign-in ({issuer}) instead of a firmid password."
    )


class EnrolmentStage(LoginStage):
    """After the password (and code, if any): offer or demand MFA set-up, as the policy says."""

    key = "firmid_mfa_enrolment"
    urlname = "firmid_mfa_enrol"

    def handle(self) -> tuple:
        decision = user_mfa_decision(user=self.login.user)
        if decision.action in (Action.ENROLL_OPTIONAL, Action.ENROLL_REQUIRED):
            return headed_redirect_response(self.urlname), True
        return None, True
