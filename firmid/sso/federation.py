"""Who an upstream account signs in as: the link by (issuer, sub), a first link, or a user created.

The rules are `firmid.sso.rules.link_verdict`; this module gathers their facts and writes what
they decide, in one transaction with its audit row. A refusal writes nothing: the caller
audits it (in a transaction of its own, so that the refusal's row is never rolled back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from firmid.accounts.models import User
from firmid.accounts.services import user_create
from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core import clock
from firmid.sso.models import SsoConnection, SsoIdentity
from firmid.sso.rules import Holder, LinkFacts, LinkOutcome, Refusal, carried_amr, link_verdict, upstream_did_mfa
from firmid.sso.services import CLIENT_TYPES, NEW_USER_ROLE

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class UpstreamAccount:
    """What the upstream's checked ID token (and userinfo, for a missing email) says of the person."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    amr: tuple[str, ...]
    acr: str
    did_mfa: bool


def upstream_account(*, connection: SsoConnection, claims: dict, userinfo: dict) -> UpstreamAccount:
    """Read the person from the claims; the email and its verification come from the same source."""
    source = claims if isinstance(claims.get("email"), str) else userinfo
    email = source.get("email") if isinstance(source.get("email"), str) else ""
    name = claims.get("name") or userinfo.get("name") or ""
    return UpstreamAccount(
        issuer=connection.issuer,
        subject=claims["sub"],
        email=email.strip().lower() if len(email) <= 254 else "",  # longer is no address: refused as none
        # Entra ID sends no email_verified; its xms_edov says the address's domain is verified as the tenant's.
        email_verified=source.get("email_verified") is True or source.get("xms_edov") is True,
        name=name[:200] if isinstance(name, str) else "",
        amr=tuple(carried_amr(claims.get("amr"))),
        acr=claims.get("acr") if isinstance(claims.get("acr"), str) else "",
        did_mfa=upstream_did_mfa(amr=claims.get("amr"), acr=claims.get("acr"), mfa_acr=connection.mfa_acr),
    )


class SignInRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


def _holder(user: User | None, connection: SsoConnection, *, issuer: str) -> Holder | None:
    if user is None:
        return None
    same = user.firm_id == connection.firm_id and user.user_type is connection.type
    linked = same and SsoIdentity.objects.filter(issuer=issuer, user=user).exists()
    return Holder(same_firm_and_type=same, active=user.is_active, linked_to_issuer=linked)


@transaction.atomic
def sso_user_for(*, connection: SsoConnection, account: UpstreamAccount, request: HttpRequest | None) -> User:
    """Return the user this upstream account signs in as (linking or creating them), or raise SignInRefused."""
    identity = (
        SsoIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=account.issuer, subject=account.subject)
        .first()
    )
    by_email = User.objects.filter(email__iexact=account.email).first() if identity is None and account.email else None
    domain = account.email.rpartition("@")[2]
    verdict = link_verdict(
        LinkFacts(
            linked=_holder(identity.user if identity else None, connection, issuer=account.issuer),
            by_email=_holder(by_email, connection, issuer=account.issuer),
            email=account.email,
            email_verified=account.email_verified,
            domain_served=domain in connection.email_domains,
            create_users=connection.create_users,
            needs_client_company=connection.type in CLIENT_TYPES and connection.client_company_id is None,
        )
    )
    if verdict.outcome is LinkOutcome.REFUSE:
        raise SignInRefused(verdict.refusal)
    if verdict.outcome is LinkOutcome.SIGN_IN:
        SsoIdentity.objects.filter(pk=identity.pk).update(last_used_at=clock.now())
        return identity.user
    try:
        with transaction.atomic():
            user = by_email if verdict.outcome is LinkOutcome.LINK else _create(connection, account)
            SsoIdentity.objects.create(
                issuer=account.issuer,
                subject=account.subject,
                user=user,
                connection=connection,
                last_used_at=clock.now(),
            )
    except IntegrityError as error:  # the same first sign-in twice at once: the other one linked (or created) it
        raise SignInRefused(Refusal.ALREADY_LINKED) from error
    action = AuditAction.SSO_LINKED if verdict.outcome is LinkOutcome.LINK else AuditAction.SSO_USER_CREATED
    audit_record(action=action, actor=user, subject=user, request=request, new_value=account.issuer[:254])
    return user


def _create(connection: SsoConnection, account: UpstreamAccount) -> User:
    return user_create(
        email=account.email,
        full_name=account.name or account.email.partition("@")[0],
        role=NEW_USER_ROLE[connection.type],
        password=None,
        firm=connection.firm,
        client_company=connection.client_company,
    )
