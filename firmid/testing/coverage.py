"""Firms with users in every MFA state, shared by the coverage tests of the reports, the web pages and the API.

The fixtures `acme` and `beta` (firmid.testing.pytest_plugin) build them.
"""

from __future__ import annotations

from collections.abc import Callable

from firmid.accounts.models import Role, User
from firmid.policy import MfaLevel, UserType
from firmid.sso.models import SsoConnection
from firmid.tenancy.models import Firm
from firmid.tenancy.services import firm_create
from firmid.testing.factories import activate, give_factor, set_level

# (level shown, users, configured, forced, suggested, not offered, covered %) per type of ACME.
ACME_FIGURES = {
    UserType.PRACTITIONERS: ("Suggested", 4, 1, 1, 2, 0, 25.0),
    UserType.CLIENTS: ("Upon request", 3, 1, 1, 0, 1, 33.3),
    UserType.CLIENT_EMPLOYEES: ("Managed by SSO", 2, 0, 0, 0, 0, None),
}


def build_acme(make_user: Callable[..., User]) -> Firm:
    """Acme Partners: every status, a type under SSO and a disabled user (see ACME_FIGURES)."""
    firm = firm_create(name="Acme Partners")
    set_level(firm, UserType.PRACTITIONERS, MfaLevel.SUGGESTED)
    practitioners = [make_user(role=Role.PRACTITIONER, firm=firm) for _ in range(5)]
    give_factor(practitioners[0])  # configured
    activate(practitioners[1])  # forced
    give_factor(practitioners[4])  # disabled: not counted at all
    User.objects.filter(pk=practitioners[4].pk).update(is_active=False)
    clients = [
        make_user(role=role, firm=firm)
        for role in (Role.CLIENT_ADMINISTRATOR, Role.STANDARD_CLIENT, Role.STANDARD_CLIENT)
    ]
    give_factor(clients[0])  # configured
    activate(clients[1])  # forced; the third is not offered
    SsoConnection.objects.create(
        firm=firm,
        user_type=UserType.CLIENT_EMPLOYEES.value,
        issuer="https://idp.acme.test",
        client_id="firmid",
        enabled=True,
    )
    employees = [make_user(role=Role.CLIENT_EMPLOYEE, firm=firm) for _ in range(2)]
    give_factor(employees[0])  # the identity provider is in charge: not counted as configured
    return firm


def build_beta(make_user: Callable[..., User]) -> Firm:
    """Beta Audit: practitioners Mandatory, one of two configured."""
    firm = firm_create(name="Beta Audit")
    set_level(firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    give_factor(make_user(role=Role.PRACTITIONER, firm=firm))
    make_user(role=Role.PRACTITIONER, firm=firm)
    return firm
