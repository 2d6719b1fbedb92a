from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from firmid.core.errors import NotFound
from firmid.tenancy.models import Firm

# The largest primary key any supported database stores: larger ids exist nowhere.
MAX_PK = 2**63 - 1


def firm_search(*, query: str = "") -> QuerySet[Firm]:
    """Return firms whose name contains `query`, by name."""
    firms = Firm.objects.order_by("name")
    query = query.strip()
    return firms.filter(name__icontains=query) if query else firms


def firm_get(*, pk: int) -> Firm:
    """Return the firm with this primary key, or refuse with NotFound."""
    firm = Firm.objects.filter(pk=pk).first() if 0 < pk <= MAX_PK else None
    if firm is None:
        raise NotFound(_("No accounting firm has this id."))
    return firm
