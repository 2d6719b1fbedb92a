"""Writes on firms' SSO connections: save, replace the secret, enable, disable — each one transaction, audited."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from firmid.accounts import notifications
from firmid.accounts.models import Role, User
from firmid.accounts.permissions import require_can_change_mfa
from firmid.accounts.services import user_end_sessions
from firmid.audit.actions import AuditAction, AuditOutcome
from firmid.audit.services import audit_record
from firmid.core import clock, crypto
from firmid.core.errors import Conflict, ServiceError
from firmid.policy import UserType
from firmid.sso import upstream
from firmid.sso.models import DEFAULT_SCOPES, PAPE_MULTI_FACTOR, SsoConnection, SsoDomain
from firmid.sso.selectors import connection_serving_domain, users_of_connection

if TYPE_CHECKING:
    from django.http import HttpRequest

    from firmid.tenancy.models import ClientCompany, Firm

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CLIENT_TYPES = frozenset({UserType.CLIENTS, UserType.CLIENT_EMPLOYEES})


@dataclass(frozen=True)
class ConnectionSettings:
    """What an agent sets on a connection; `client_secret` None keeps the stored one."""

    issuer: str
    client_id: str
    client_secret: str | None = None
    scopes: str = DEFAULT_SCOPES
    email_domains: list[str] = field(default_factory=list)
    create_users: bool = False
    require_upstream_mfa: bool = False
    client_company: ClientCompany | None = None
    mfa_acr: str = PAPE_MULTI_FACTOR


def clean_domains(domains: list[str]) -> list[str]:
    """Lower-cased, unique, each a host name: the domains whose addresses the connection serves."""
    cleaned = list(dict.fromkeys(domain.strip().lower().lstrip("@") for domain in domains if domain.strip()))
    bad = [domain for domain in cleaned if not _DOMAIN.match(domain)]
    if bad:
        raise ServiceError(_("Not an email domain: %(domains)s.") % {"domains": ", ".join(bad)})
    return cleaned


def _validate(*, firm: Firm, user_type: UserType, values: ConnectionSettings, connection: SsoConnection | None) -> None:
    try:
        upstream.check_url(values.issuer, what="issuer")
    except upstream.UpstreamError as error:
        raise ServiceError(error.message) from error
    if not values.client_id.strip():
        raise ServiceError(_("The client ID is required."))
    if "openid" not in values.scopes.split():
        raise ServiceError(_("The scopes must include openid."))
    if values.client_company is not None and (
        user_type not in CLIENT_TYPES or values.client_company.firm_id != firm.pk
    ):
        raise ServiceError(_("The client company must be one of this firm's, for a client user type."))
    for domain in values.email_domains:
        other = connection_serving_domain(domain=domain, exclude=connection)
        if other is not None:
            taken = _("%(domain)s is already served by another SSO connection (%(firm)s).")
            raise Conflict(taken % {"domain": domain, "firm": other.firm.name})


@transaction.atomic
def sso_connection_save(
    *,
    firm: Firm,
    user_type: UserType,
    values: ConnectionSettings,
    actor: User | None,
    request: HttpRequest | None = None,
) -> SsoConnection:
    """Create or change the firm's connection for `user_type`; a new one starts disabled."""
    if actor is not None:
        require_can_change_mfa(actor)
    values = ConnectionSettings(**{**values.__dict__, "email_domains": clean_domains(values.email_domains)})
    connection = SsoConnection.objects.select_for_update().filter(firm=firm, user_type=user_type.value).first()
    _validate(firm=firm, user_type=user_type, values=values, connection=connection)
    created = connection is None
    connection = connection or SsoConnection(firm=firm, user_type=user_type.value)
    for name in ("issuer", "client_id", "scopes", "email_domains", "create_users", "require_upstream_mfa", "mfa_acr"):
        setattr(connection, name, getattr(values, name))
    connection.client_company = values.client_company
    connection.save()
    _serve_domains(connection)
    action = AuditAction.SSO_CONNECTED if created else AuditAction.SSO_UPDATED
    audit_record(
        action=action, actor=actor, firm=firm, user_type=user_type.value, new_value=values.issuer[:254], request=request
    )
    if values.client_secret:
        sso_secret_replace(connection=connection, secret=values.client_secret, actor=actor, request=request)
    return connection


def _serve_domains(connection: SsoConnection) -> None:
    """The domain rows follow the connection's list; the database refuses a domain another connection serves."""
    connection.domains.exclude(domain__in=connection.email_domains).delete()
    kept = set(connection.domains.values_list("domain", flat=True))
    try:
        with transaction.atomic():
            SsoDomain.objects.bulk_create(
                SsoDomain(domain=domain, connection=connection)
                for domain in connection.email_domains
                if domain not in kept
            )
    except IntegrityError as error:  # another connection took one of them meanwhile
        raise Conflict(_("One of these domains is already served by another SSO connection.")) from error


@transaction.atomic
def sso_secret_replace(
    *, connection: SsoConnection, secret: str, actor: User | None, request: HttpRequest | None = None
) -> None:
    """Store a new client secret, encrypted at rest; the old one is gone."""
    if actor is not None:
        require_can_change_mfa(actor)
    if not secret.strip():
        raise ServiceError(_("The client secret is empty."))
    connection.client_secret_encrypted = crypto.encrypt(secret.strip())
    connection.secret_changed_at = clock.now()
    connection.save(update_fields=["client_secret_encrypted", "secret_changed_at", "updated_at"])
    audit_record(
        action=AuditAction.SSO_SECRET_REPLACED,
        actor=actor,
        firm=connection.firm,
        user_type=connection.user_type,
        request=request,
    )


@transaction.atomic
def sso_secrets_rotate() -> int:
    """Re-encrypt every connection's client secret under the newest key, all or none; return how many."""
    connections = list(SsoConnection.objects.select_for_update().exclude(client_secret_encrypted=""))
    for connection in connections:
        secret = connection.client_secret_encrypted
        connection.client_secret_encrypted = crypto.reencrypt_or_refuse(
            secret, what=_("The client secret of %(connection)s") % {"connection": connection}
        )
    SsoConnection.objects.bulk_update(connections, ["client_secret_encrypted"], batch_size=500)
    return len(connections)


def connection_secret(connection: SsoConnection) -> str:
    return crypto.decrypt(connection.client_secret_encrypted) if connection.client_secret_encrypted else ""


@transaction.atomic
def sso_connection_enable(*, connection: SsoConnection, actor: User | None, request: HttpRequest | None = None) -> int:
    """Hand the type's sign-in to the firm's provider: their password sessions and tokens end now. Return how many users."""
    if actor is not None:
        require_can_change_mfa(actor)
    connection = SsoConnection.objects.select_for_update().get(pk=connection.pk)
    if connection.enabled:
        return 0
    if not connection.has_secret:
        raise Conflict(_("Set the client secret before enabling the connection."))
    connection.enabled = True
    connection.save(update_fields=["enabled", "updated_at"])
    ended = _end_sessions_of(connection)
    audit_record(
        action=AuditAction.SSO_ENABLED, actor=actor, firm=connection.firm, user_type=connection.user_type,
        new_value=connection.issuer[:254], detail=f"{ended} users' sessions and tokens ended", request=request,
    )  # fmt: skip
    return ended


@transaction.atomic
def sso_connection_disable(*, connection: SsoConnection, actor: User | None, request: HttpRequest | None = None) -> int:
    """Give the type back to firmid's passwords and MFA level; users without a password are told to set one."""
    if actor is not None:
        require_can_change_mfa(actor)
    connection = SsoConnection.objects.select_for_update().get(pk=connection.pk)
    if not connection.enabled:
        return 0
    connection.enabled = False
    connection.save(update_fields=["enabled", "updated_at"])
    ended = _end_sessions_of(connection)
    users = users_of_connection(connection=connection).filter(is_active=True)
    without_password = [user for user in users if not user.has_usable_password()]
    for user in without_password:
        transaction.on_commit(lambda user=user: notifications.sso_ended(user=user))
    audit_record(
        action=AuditAction.SSO_DISABLED, actor=actor, firm=connection.firm, user_type=connection.user_type,
        old_value=connection.issuer[:254], detail=f"{ended} users' sessions ended; {len(without_password)} asked to set a password",
        request=request,
    )  # fmt: skip
    return ended


def _end_sessions_of(connection: SsoConnection) -> int:
    users = list(users_of_connection(connection=connection))
    for user in users:
        user_end_sessions(user=user)
    return len(users)


def sso_connection_test(
    *, connection: SsoConnection, actor: User | None, request: HttpRequest | None = None
) -> list[str]:
    """Fetch the provider's discovery document and keys afresh; return what holds, or raise what is wrong (audited)."""
    try:
        metadata = upstream.discover(connection.issuer, fresh=True)
        keys = upstream.signing_keys(metadata, fresh=True)
    except upstream.UpstreamError as error:
        _audit_test(connection, actor, request, outcome=AuditOutcome.FAILURE, detail=error.problem.value)
        raise
    checks = [
        _("The discovery document answers, and names %(issuer)s as its issuer.") % {"issuer": metadata.issuer},
        _("The provider offers the authorization code flow with PKCE S256.")
        if metadata.announces_pkce
        else _("The provider does not announce its PKCE methods: firmid sends S256 all the same (Entra ID does this)."),
        ngettext("Its key set publishes %(count)d key.", "Its key set publishes %(count)d keys.", len(keys.keys))
        % {"count": len(keys.keys)},
    ]
    if not connection.has_secret:
        checks.append(_("No client secret is set yet: set one before enabling the connection."))
    _audit_test(connection, actor, request, outcome=AuditOutcome.SUCCESS, detail="")
    return checks


def _audit_test(connection, actor, request, *, outcome: AuditOutcome, detail: str) -> None:  # noqa: ANN001
    with transaction.atomic():
        audit_record(
            action=AuditAction.SSO_TESTED, outcome=outcome, actor=actor, firm=connection.firm,
            user_type=connection.user_type, detail=detail, request=request,
        )  # fmt: skip


# The role of a user created at first sign-in: never an administrator's.
NEW_USER_ROLE = {
    UserType.PRACTITIONERS: Role.PRACTITIONER,
    UserType.CLIENTS: Role.STANDARD_CLIENT,
    UserType.CLIENT_EMPLOYEES: Role.CLIENT_EMPLOYEE,
}
