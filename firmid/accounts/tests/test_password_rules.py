"""A password may not be, nor contain, the user's name: at every place a password is chosen."""

from __future__ import annotations

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from firmid.accounts.models import Role, User
from firmid.testing.signin import sign_in

CHANGE = "/accounts/password/change/"


@pytest.fixture
def carol(make_user) -> User:
    user = make_user(role=Role.STANDARD_CLIENT, email="cdupont@client-one.test")
    user.full_name = "Carol Dupont-Moreau"
    user.save(update_fields=["full_name"])
    return user


def refused(password: str, user: User) -> bool:
    try:
        validate_password(password, user)
    except ValidationError:
        return True
    return False


@pytest.mark.parametrize("password", ["Carol Dupont-Moreau", "caroldupontmoreau", "CAROL.DUPONT.MOREAU"])
def test_password_equal_to_users_name_is_refused(carol: User, password: str) -> None:
    assert refused(password, carol)


@pytest.mark.parametrize(
    "password",
    [
        "my-name-is-carol-dupont-moreau!",  # the whole name, in a longer password
        "Moreau-Winter-2026-xyz",  # one word of the name
        "correct-horse-dupont-battery",
        "cdupont-likes-long-walks",  # the name in the address
    ],
)
def test_password_containing_users_name_is_refused(carol: User, password: str) -> None:
    assert refused(password, carol)


def test_password_without_the_name_is_accepted(carol: User) -> None:
    assert not refused("violet-harbour-lantern-42", carol)


def test_short_words_of_a_name_do_not_refuse_every_password(make_user) -> None:
    user = make_user(role=Role.STANDARD_CLIENT, email="li@client-one.test")
    user.full_name = "Li Wu"
    assert not refused("violet-harbour-lantern-42", user)  # "li" and "wu" are too short to count


def test_password_change_to_users_name_is_refused(client: Client, carol: User, password: str) -> None:
    sign_in(client, carol.email, password)
    response = client.post(
        CHANGE, {"oldpassword": password, "password1": "carol-dupont-2026", "password2": "carol-dupont-2026"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert "contains your name" in response.content.decode()
    carol.refresh_from_db()
    assert carol.check_password(password)


def test_password_reset_to_users_name_is_refused(client: Client, carol: User, password: str) -> None:
    key = f"{user_pk_to_url_str(carol)}-{default_token_generator.make_token(carol)}"
    form_url = client.get(f"/accounts/password/reset/key/{key}/").url  # the key moves into the session
    response = client.post(form_url, {"password1": "Moreau-2026-spring", "password2": "Moreau-2026-spring"})
    assert response.status_code == 200
    assert "contains your name" in response.content.decode()
    carol.refresh_from_db()
    assert carol.check_password(password)
