from __future__ import annotations

from django.db.models import QuerySet

from firmid.tenancy.models import Firm


def firm_search(*, query: str = "") -> QuerySet[Firm]:
    """Return firms whose name contains `query`, by name."""
    firms = Firm.objects.order_by("name")
    query = query.strip()
    return firms.filter(name__icontains=query) if query else firms
