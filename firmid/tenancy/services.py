"""Provisioning firms and client companies (demo data, CLI and tests use these)."""

from __future__ import annotations

from firmid.tenancy.models import ClientCompany, Firm


def firm_create(*, name: str) -> Firm:
    firm, _ = Firm.objects.get_or_create(name=name)
    return firm


def client_company_create(*, firm: Firm, name: str) -> ClientCompany:
    company, _ = ClientCompany.objects.get_or_create(firm=firm, name=name)
    return company
