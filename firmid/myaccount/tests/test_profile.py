"""My account's profile: the one address is shown, with who changes it; nothing leads to adding another."""

from __future__ import annotations

from firmid.accounts.models import Role
from firmid.testing.signin import HOME, sign_in


def test_profile_shows_the_one_address_and_who_changes_it(client, make_user, password) -> None:
    user = make_user(role=Role.PRACTITIONER, email="dora@example.test")
    sign_in(client, user.email, password)
    page = client.get(HOME).content.decode()
    assert "dora@example.test" in page and "set by your firm's support" in page
    assert "/accounts/email/" not in page
