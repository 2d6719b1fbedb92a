"""Provisioning firms, client companies and users (demo data, CLI and tests use these)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction

from firmid.accounts.models import TYPE_OF_ROLE, Role, User
from firmid.core.errors import ServiceError
from firmid.tenancy.models import ClientCompany, Firm


def firm_create(*, name: str) -> Firm:
    firm, _ = Firm.objects.get_or_create(name=name)
    return firm


def client_company_create(*, firm: Firm, name: str) -> ClientCompany:
    company, _ = ClientCompany.objects.get_or_create(firm=firm, name=name)
    return company


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str,
    role: str,
    password: str | None,
    firm: Firm | None = None,
    client_company: ClientCompany | None = None,
    support_level: int | None = None,
) -> User:
    """Create a user with a verified email address; `password=None` makes it unusable."""
    email = email.strip().lower()
    if client_company is not None and firm is not None and client_company.firm_id != firm.pk:
        raise ServiceError("The client company belongs to another firm.")
    if client_company is not None and firm is None:
        firm = client_company.firm
    if role != Role.SUPPORT_AGENT and role not in TYPE_OF_ROLE:
        raise ServiceError(f"Unknown role {role!r}.")
    user = User(
        email=email, full_name=full_name, role=role, firm=firm,
        client_company=client_company, support_level=support_level,
    )
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user
