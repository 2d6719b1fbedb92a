"""firmid's sign-in stages, run by allauth between the password and the session."""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.models import Login
from allauth.account.stages import LoginStage
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from firmid.accounts.models import User
from firmid.audit.actions import AuditAction, AuditOutcome
from firmid.audit.services import audit_record
from firmid.core.seams.allauth import clear_login, get_authentication_records, headed_redirect_response
from firmid.mfa.factors.totp.flows import forget_pending_secret
from firmid.mfa.factors.webauthn.flows import PASSWORDLESS_REFUSED, passwordless_refusal
from firmid.mfa.levels.selectors import user_mfa_options
from firmid.mfa.selectors import policy_input_of, user_mfa_decision, user_with_snapshot
from firmid.mfa.trust import TRUSTED_BROWSER_METHOD, trusted_browser_current
from firmid.policy import decide
from firmid.sso.selectors import firm_sso_issuers

# Where the sign-in started: anything that ends the user's sessions (an MFA reset, a disable,
# a new password) changes the session hash, and so ends a sign-in still pending too.
_STARTED_AS = "session_hash"
CHANGED_MEANWHILE = gettext_lazy(
    "Your account's security settings changed while you were signing in. Please sign in again."
)


class FirstFactorStage(LoginStage):
    """Right after the password: a new session id, and SSO users sent to their firm's sign-in."""

    key = "firmid_first_factor"

    def handle(self) -> tuple:
        # The session id changes at every authentication step (ASVS 7.2.4).
        self.request.session.cycle_key()
        user = self.login.user
        self.state[_STARTED_AS] = user.get_session_auth_hash()
        passkey = _passwordless_record(self.request, user)
        if passkey is not None:
            refusal = passwordless_refusal(user, user_verified=bool(passkey.get("user_verified")))
            if refusal:
                return _refuse_passkey(self.request, user, refusal), False
        if _used_password(self.request, user) and user_mfa_decision(user=user).managed_by_sso:
            audit_record(
                action=AuditAction.SIGN_IN_PASSWORD,
                outcome=AuditOutcome.REFUSED,
                actor=user,
                subject=user,
                request=self.request,
                detail="user type signs in through SSO",
            )
            messages.error(self.request, sso_refusal_message(user))
            return headed_redirect_response("account_login"), False
        return None, True


def _used_password(request, user) -> bool:  # noqa: ANN001
    """Did this sign-in use a firmid credential (a password, or a passkey alone), not the firm's provider?"""
    return any(_is_first_factor(r) for r in get_authentication_records(request, user))


def _is_first_factor(record: dict) -> bool:
    return record.get("method") == "password" or (record.get("method") == "mfa" and bool(record.get("passwordless")))


def _passwordless_record(request, user) -> dict | None:  # noqa: ANN001
    """The passkey this sign-in began with (allauth's passkey sign-in), or None if it began otherwise."""
    firsts = [r for r in get_authentication_records(request, user) if _is_first_factor(r)]
    return firsts[-1] if firsts and firsts[-1].get("method") == "mfa" else None


def _refuse_passkey(request, user, refusal: str) -> HttpResponse:  # noqa: ANN001
    audit_record(
        action=AuditAction.SIGN_IN,
        outcome=AuditOutcome.REFUSED,
        actor=user,
        subject=user,
        request=request,
        factor_type=Authenticator.Type.WEBAUTHN,
        detail=f"passkey sign-in: {refusal}",
    )
    managed = user_mfa_decision(user=user).managed_by_sso
    messages.error(request, sso_refusal_message(user) if managed else PASSWORDLESS_REFUSED)
    return headed_redirect_response("account_login")


def sso_refusal_message(user) -> str:  # noqa: ANN001
    issuer = firm_sso_issuers(firm=user.firm).get(user.user_type, "")
    return _(
        "%(firm)s signs you in through its own identity provider (%(issuer)s), not with a firmid "
        "password: give your address on the sign-in page and Continue, and firmid takes you there."
    ) % {"firm": user.firm.name, "issuer": issuer}


class EnrolmentStage(LoginStage):
    """After the password (and code, if any): offer or demand MFA set-up, as the policy says."""

    key = "firmid_mfa_enrolment"
    urlname = "firmid_mfa_enrol"

    def handle(self) -> tuple:
        decision = user_mfa_decision(user=self.login.user)
        if decision.may_enroll:
            return headed_redirect_response(self.urlname), True
        return None, True


class CompletionStage(LoginStage):
    """Last: the sign-in completes only if the user satisfies, now, what the policy asks now.

    A factor set up, a level raised, a reset or a disable elsewhere while this sign-in was
    pending changes what it needs: the user signs in again, and then meets the code page.
    """

    key = "firmid_completion"

    def handle(self) -> tuple:
        shortfall = sign_in_shortfall(self)
        if shortfall is None:
            return None, True
        return refuse_sign_in(self.request, self.login, detail=shortfall), False


def account_changed(stage: LoginStage) -> str | None:
    """Why the account is no longer as this sign-in found it after the password (for the audit), or None."""
    # allauth reads the pending login's user from the database at every request: it is
    # this request's state of the account, without a second read.
    return _changed(stage, stage.login.user)


def sign_in_shortfall(stage: LoginStage) -> str | None:
    """Why this sign-in may not complete now (for the audit), or None if the policy is met."""
    user = _fresh_user(stage)
    changed = _changed(stage, user)
    if changed:
        return changed
    decision = decide(policy_input_of(user))
    if decision.managed_by_sso and _used_password(stage.request, user):
        return "firm now signs the user in through SSO"
    passkey = _passwordless_record(stage.request, user)
    if passkey is not None and passwordless_refusal(user, user_verified=bool(passkey.get("user_verified"))):
        return "firm no longer allows this passkey sign-in"
    if decision.needs_second_factor and not _second_factor_given(stage.request, stage.login):
        return f"policy now asks {decision.action.value}: no second factor given in this sign-in"
    return None


def _fresh_user(stage: LoginStage) -> User | None:
    # Read now, with what the decision needs: never this request's remembered snapshot.
    return user_with_snapshot(user_id=stage.login.user.pk) if stage.login.user else None


def _changed(stage: LoginStage, user: User | None) -> str | None:
    if user is None or not user.is_active:
        return "account disabled while signing in"
    first = stage.controller.get_stage(FirstFactorStage.key)
    if first is None or first.state.get(_STARTED_AS) != user.get_session_auth_hash():
        return "sessions ended (password, MFA reset or disable) while signing in"
    return None


def _second_factor_given(request: HttpRequest, login: Login) -> bool:
    """Was a factor the user still has used in this very sign-in, or a browser they still trust?"""
    return factor_used_in_sign_in(request, login) or _trusted_browser_used(request, login)


def _this_sign_in(request: HttpRequest, login: Login) -> list[dict]:
    records = get_authentication_records(request, login.user)
    firsts = [i for i, r in enumerate(records) if _is_first_factor(r)]
    # Records of an earlier, abandoned attempt in this session come before this sign-in's password (or passkey).
    return records[firsts[-1] if firsts else 0 :]


def _trusted_browser_used(request: HttpRequest, login: Login) -> bool:
    # The trust is checked again: revoked, or the firm's N lowered, while this sign-in was pending.
    browsers = [r.get("browser") for r in _this_sign_in(request, login) if r.get("method") == TRUSTED_BROWSER_METHOD]
    return any(trusted_browser_current(user=login.user, browser_id=b) for b in browsers if b is not None)


def factor_used_in_sign_in(request: HttpRequest, login: Login) -> bool:
    """Was a factor the user still has, of a kind their firm allows, used (or set up) after this sign-in's password?"""
    used = {r.get("id") for r in _this_sign_in(request, login) if _counts_as_second_factor(r)} - {None}
    if not used:
        return False
    # Only a factor of a kind the firm allows for the type counts (recovery codes always do).
    options = user_mfa_options(user=login.user)
    kinds = Authenticator.objects.filter(user_id=login.user.pk, pk__in=used).values_list("type", flat=True)
    return any(options.allows(kind) for kind in kinds)


def _counts_as_second_factor(record: dict) -> bool:
    # A passkey alone is both factors only if it verified its user (PIN, biometrics).
    if record.get("method") != "mfa":
        return False
    return not record.get("passwordless") or bool(record.get("user_verified"))


def refuse_sign_in(request: HttpRequest, login: Login, *, detail: str) -> HttpResponse:
    """End the pending sign-in, say why, and send the user to sign in again (to where they were going)."""
    audit_record(
        action=AuditAction.SIGN_IN,
        outcome=AuditOutcome.REFUSED,
        actor=login.user,
        subject=login.user,
        request=request,
        detail=detail,
    )
    clear_login(request)
    forget_pending_secret(request)
    messages.error(request, CHANGED_MEANWHILE)
    url = reverse("account_login")
    if login.redirect_url:
        url = f"{url}?{urlencode({'next': login.redirect_url})}"
    return HttpResponseRedirect(url)
