"""A firm's MFA settings: every type in order, no level for a type under SSO."""

from __future__ import annotations

import pytest

from firmid.mfa.levels.selectors import firm_mfa_settings
from firmid.policy import MfaLevel, UserType
from firmid.sso.models import SsoConnection
from firmid.tenancy.services import firm_create
from firmid.testing.factories import set_level


@pytest.mark.django_db
def test_type_under_sso_has_no_level_and_others_keep_theirs() -> None:
    firm = firm_create(name="Northwind")
    set_level(firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)  # hidden: the SSO is in charge
    set_level(firm, UserType.CLIENTS, MfaLevel.SUGGESTED)
    SsoConnection.objects.create(
        firm=firm, user_type="practitioners", issuer="https://idp.test", client_id="x", enabled=True
    )
    settings = firm_mfa_settings(firm=firm)
    assert [(s.user_type, s.level, s.sso_issuer) for s in settings.types] == [
        (UserType.PRACTITIONERS, None, "https://idp.test"),
        (UserType.CLIENTS, MfaLevel.SUGGESTED, None),
        (UserType.CLIENT_EMPLOYEES, MfaLevel.UPON_REQUEST, None),
    ]
    assert settings.levels == {UserType.CLIENTS: MfaLevel.SUGGESTED, UserType.CLIENT_EMPLOYEES: MfaLevel.UPON_REQUEST}
    assert [s.user_type for s in settings.sso_managed] == [UserType.PRACTITIONERS]
    assert [s.level_label for s in settings.types] == ["Managed by SSO", "Suggested", "Upon request"]
