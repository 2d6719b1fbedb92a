"""Reads of firms' SSO connections and of the users and links under them."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef, QuerySet, TextChoices
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from firmid.accounts.models import ROLES_OF_TYPE, User
from firmid.core.app_settings import core_settings
from firmid.policy import UserType
from firmid.sso.models import SsoConnection, SsoDomain, SsoIdentity
from firmid.tenancy.models import Firm

# Recovery codes alone are not MFA.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def firm_sso_issuers(*, firm: Firm) -> dict[UserType, str]:
    """Return, for each user type the firm signs in through an enabled SSO connection, its provider's issuer."""
    rows = SsoConnection.objects.filter(firm=firm, enabled=True).values_list("user_type", "issuer")
    return {UserType(user_type): issuer for user_type, issuer in rows}


def firm_connections(*, firm: Firm) -> dict[UserType, SsoConnection]:
    """Every connection of the firm, enabled or not, by user type."""
    return {
        connection.type: connection for connection in SsoConnection.objects.filter(firm=firm).select_related("firm")
    }


def firms_with_connections() -> QuerySet[Firm]:
    """The firms that have at least one connection, enabled or not, by name."""
    return Firm.objects.filter(sso_connections__isnull=False).distinct().order_by("name")


def connection_get(*, public_id: str) -> SsoConnection | None:
    try:
        return SsoConnection.objects.select_related("firm", "client_company").get(public_id=public_id)
    except (SsoConnection.DoesNotExist, ValueError, TypeError):
        return None


def connection_serving_domain(*, domain: str, exclude: SsoConnection | None = None) -> SsoConnection | None:
    """The connection (of any firm, enabled or not) that serves `domain`: a domain belongs to one connection only."""
    rows = SsoDomain.objects.select_related("connection__firm").filter(domain=domain.lower())
    if exclude is not None:
        rows = rows.exclude(connection=exclude)
    found = rows.first()
    return found.connection if found else None


def connection_for_address(*, email: str) -> SsoConnection | None:
    """The enabled connection an address signs in through: its domain's, else its account's type's."""
    user = User.objects.filter(email__iexact=email).only("firm_id", "role").first()
    if user is not None and user.is_support_agent:  # the platform's staff: never a firm's provider
        return None
    domain = email.rpartition("@")[2].lower()
    connection = connection_serving_domain(domain=domain) if domain else None
    if connection is not None and connection.enabled:
        return connection
    return connection_of_user(user=user) if user is not None else None


def connection_of_user(*, user: User) -> SsoConnection | None:
    """The enabled connection that signs `user` in, if their type is under SSO."""
    if user.firm_id is None or user.user_type is None:
        return None
    rows = SsoConnection.objects.select_related("firm").filter(firm_id=user.firm_id, enabled=True)
    return rows.filter(user_type=user.user_type.value).first()


def users_of_connection(*, connection: SsoConnection) -> QuerySet[User]:
    """The firm's users of the connection's type."""
    return User.objects.filter(firm_id=connection.firm_id, role__in=ROLES_OF_TYPE[connection.type])


def enable_impact(*, connection: SsoConnection) -> tuple[int, int]:
    """How many users enabling would hand to the provider, and how many of them have MFA set up in firmid (kept, unused)."""
    users = users_of_connection(connection=connection)
    factors = Authenticator.objects.filter(user_id=OuterRef("pk"), type__in=SECOND_FACTORS)
    with_mfa = users.filter(Exists(factors)).count()
    return users.count(), with_mfa


def identity_of(*, issuer: str, subject: str) -> SsoIdentity | None:
    return SsoIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()


def user_linked_to_issuer(*, user: User, issuer: str) -> bool:
    return SsoIdentity.objects.filter(issuer=issuer, user=user).exists()


class ConnectionStatus(TextChoices):
    """Where a firm's user type stands with SSO (the Administration application's and the CLI's status)."""

    ENABLED = "enabled", _("Enabled")
    DISABLED = "disabled", _("Disabled")
    NOT_CONFIGURED = "not_configured", _("Not configured")


def connection_status(connection: SsoConnection | None) -> ConnectionStatus:
    if connection is None:
        return ConnectionStatus.NOT_CONFIGURED
    return ConnectionStatus.ENABLED if connection.enabled else ConnectionStatus.DISABLED


def sso_redirect_uri() -> str:
    """The redirect URI a firm registers at its identity provider: firmid's issuer and its SSO callback."""
    return core_settings.ISSUER.rstrip("/") + reverse("firmid_sso_callback")
