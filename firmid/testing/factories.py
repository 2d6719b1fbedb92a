"""Firms, client companies, users and agents in the states tests need: levels, factors, activation."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt

from firmid.accounts.models import Role, User
from firmid.accounts.services import user_create
from firmid.core.seams.allauth import TOTP, generate_totp_secret
from firmid.demo.data import DEMO_PASSWORD
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.sso.models import SsoConnection
from firmid.sso.services import ConnectionSettings, sso_connection_enable, sso_connection_save
from firmid.tenancy.models import Firm
from firmid.tenancy.services import client_company_create, firm_create

CLIENT_ROLES = (Role.CLIENT_ADMINISTRATOR, Role.STANDARD_CLIENT, Role.CLIENT_EMPLOYEE)
# A fixed secret for factors whose codes no test computes (reports, counts).
FIXED_SECRET = "JBSWY3DPEHPK3PXP"


def user_make(
    *, number: int, role: str = Role.PRACTITIONER, firm: Firm | None = None, email: str | None = None, **extra
) -> User:
    """A firm user of `role` (a fresh firm, and client company for client roles, unless given)."""
    firm = firm or firm_create(name="Test Firm")
    company = client_company_create(firm=firm, name="Test Client") if role in CLIENT_ROLES else None
    return user_create(
        email=email or f"user{number}@{firm.name.lower().replace(' ', '-')}.test",
        full_name=f"User {number}",
        role=role,
        password=DEMO_PASSWORD,
        firm=firm,
        client_company=company,
        **extra,
    )


def agent_make(*, level: int, email: str | None = None) -> User:
    """A support agent of `level` (1, 2 or 3)."""
    return user_create(
        email=email or f"agent.l{level}@firmid.test",
        full_name=f"Agent {level}",
        role=Role.SUPPORT_AGENT,
        password=DEMO_PASSWORD,
        support_level=level,
    )


def set_level(firm: Firm, user_type: UserType, level: MfaLevel, *, actor: User | None = None) -> None:
    """Set `firm`'s level for `user_type`: straight in the table, or through the audited service as `actor`."""
    if actor is not None:
        from firmid.mfa.levels.services import firm_set_mfa_levels

        firm_set_mfa_levels(actor=actor, firm=firm, levels={user_type: level})
        return
    FirmMfaLevel.objects.update_or_create(firm=firm, user_type=user_type.value, defaults={"level": level.value})


def give_factor(user: User, kind: str = Authenticator.Type.TOTP) -> str:
    """Give `user` a configured factor, as enrolment would; return the TOTP secret.

    A TOTP factor gets a fresh secret through allauth; another kind gets a row only (its
    presence is what counts).
    """
    if kind == Authenticator.Type.TOTP:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret
    Authenticator.objects.create(user=user, type=kind, data={"secret": encrypt(FIXED_SECRET)})
    return FIXED_SECRET


def activate(user: User) -> None:
    """Activate MFA for `user` individually, as support would (without the audit row)."""
    User.objects.filter(pk=user.pk).update(mfa_individually_activated=True)


def connect_sso(
    firm: Firm,
    user_type: UserType,
    *,
    issuer: str = "https://idp.example.test",
    client_id: str = "firmid",
    secret: str = "upstream-secret",
    enabled: bool = True,
    **values,
) -> SsoConnection:
    """The firm's connection for `user_type`, saved as support saves it, then enabled unless told not to."""
    connection = sso_connection_save(
        firm=firm,
        user_type=user_type,
        values=ConnectionSettings(issuer=issuer, client_id=client_id, client_secret=secret, **values),
        actor=None,
    )
    if enabled:
        sso_connection_enable(connection=connection, actor=None)
        connection.refresh_from_db()
    return connection
