"""Who may hold tokens, and revoking them when the policy says no more."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from firmid.accounts.models import User
from firmid.mfa.selectors import user_mfa_decision
from firmid.oidc import selectors
from firmid.oidc.app_settings import oidc_settings

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()


def may_hold_tokens(user: User | None) -> bool:
    """A disabled user, or one whose firm now demands enrolment or SSO, holds no live token."""
    if user is None or not user.is_active:
        return False
    return not user_mfa_decision(user=user).blocks_session


def may_hold_application_tokens(user: User | None, application) -> bool:  # noqa: ANN001
    """The user may hold tokens at all, and this application is still open to them."""
    return may_hold_tokens(user) and selectors.application_admits(application=application, user=user)


def refresh_chain_end(*, family, created: datetime) -> datetime:  # noqa: ANN001
    """When a rotation chain stops refreshing: FIRMID_REFRESH_ABSOLUTE_SECONDS after its first token."""
    started = (
        RefreshToken.objects.filter(token_family=family).aggregate(start=Min("created"))["start"] if family else None
    )
    return (started or created) + timedelta(seconds=oidc_settings.REFRESH_ABSOLUTE_SECONDS)


@transaction.atomic
def revoke_user_tokens(*, user: User) -> None:
    """Revoke every refresh and access token of `user`, in every application."""
    families = RefreshToken.objects.filter(user=user, revoked__isnull=True).values_list("token_family", flat=True)
    for family in set(families):
        RefreshToken.revoke_family(family)
    AccessToken.objects.filter(user=user).delete()
    # A code issued before and not yet exchanged would give fresh tokens after the change.
    Grant.objects.filter(user=user, issued_access_token_id__isnull=True, issued_token_family__isnull=True).delete()


def revoke_issued_by(grant) -> None:  # noqa: ANN001
    """A code came back a second time: revoke what its first exchange issued (RFC 6749 §4.1.2)."""
    if grant.issued_token_family is not None:
        RefreshToken.revoke_family(grant.issued_token_family)
    if grant.issued_access_token_id is not None:
        AccessToken.objects.filter(pk=grant.issued_access_token_id).delete()
