from __future__ import annotations

from firmid.policy import UserType
from firmid.sso.models import SsoConnection
from firmid.tenancy.models import Firm


def firm_sso_issuers(*, firm: Firm) -> dict[UserType, str]:
    """Return, for each user type the firm signs in through SSO, its identity provider's issuer."""
    rows = SsoConnection.objects.filter(firm=firm).values_list("user_type", "issuer")
    return {UserType(user_type): issuer for user_type, issuer in rows}
