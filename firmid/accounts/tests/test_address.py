"""A user's one address: the only one that signs in and receives reset links; users cannot add others."""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from firmid.accounts.models import Role
from firmid.testing.signin import HOME, LOGIN, sign_in

EMAIL_PAGE = "/accounts/email/"
RESET = "/accounts/password/reset/"
ATTACKER = "mallory@attacker.test"


def _attach(user, email: str, *, verified: bool = True) -> None:
    """Give `user` an extra allauth address row, as allauth's /accounts/email/ page could."""
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=False)


def _reset_answer(email: str) -> tuple[int, str, list]:
    """Ask a reset for `email` in a fresh browser: (status, where it leads, mails sent)."""
    mail.outbox.clear()
    response = Client().post(RESET, {"email": email})
    return response.status_code, response.get("Location", ""), list(mail.outbox)


def test_address_page_is_gone_and_cannot_add_an_address(client, alice, password) -> None:
    sign_in(client, alice.email, password)
    assert client.get(HOME).status_code == 200
    before = list(EmailAddress.objects.values_list("pk", "email", "verified", "primary"))
    assert client.get(EMAIL_PAGE).status_code == 404
    for action in ("action_add", "action_primary", "action_send", "action_remove"):
        response = client.post(EMAIL_PAGE, {action: "", "email": ATTACKER})
        assert response.status_code == 404
    assert list(EmailAddress.objects.values_list("pk", "email", "verified", "primary")) == before
    assert mail.outbox == []


def test_no_page_links_to_the_address_page(client, alice, password) -> None:
    sign_in(client, alice.email, password)
    for url in (HOME, "/accounts/password/change/"):
        page = client.get(url).content.decode()
        assert EMAIL_PAGE not in page and "Change Email" not in page


def test_unverified_address_added_to_an_account_does_not_sign_in(client, alice, password) -> None:
    _attach(alice, ATTACKER, verified=False)
    response = sign_in(client, ATTACKER, password)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get(HOME).status_code == 302


def test_address_attached_to_an_account_does_not_sign_in_even_verified(client, alice, password) -> None:
    _attach(alice, ATTACKER)
    response = sign_in(client, ATTACKER.upper(), password)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    unknown = sign_in(Client(), "nobody@attacker.test", password)
    assert response.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_address_attached_to_an_account_gets_no_reset_link_and_the_unknown_answer(alice) -> None:
    _attach(alice, ATTACKER, verified=False)
    attached = _reset_answer(ATTACKER)
    unknown = _reset_answer("nobody@attacker.test")
    assert attached[:2] == unknown[:2] and attached[0] == 302
    assert attached[2] == [] and unknown[2] == []


def test_another_users_address_attached_to_an_account_gets_no_reset_link_for_it(make_user, alice) -> None:
    bob = make_user(role=Role.PRACTITIONER, email="bob@example.test")
    _attach(alice, bob.email, verified=False)
    status, _, sent = _reset_answer(bob.email)
    assert status == 302 and [m.to for m in sent] == [[bob.email]]
    # The link in it resets bob's password, not alice's.
    link = re.search(r"/accounts/password/reset/key/(\w+)-", sent[0].body).group(1)
    assert int(link, 36) == bob.pk


def test_reset_link_goes_to_the_users_one_address_whatever_the_case_typed(alice) -> None:
    status, _, sent = _reset_answer("Alice@EXAMPLE.test")
    assert status == 302 and [m.to for m in sent] == [[alice.email]]
    assert "/accounts/password/reset/key/" in sent[0].body


def test_the_one_address_signs_in_whatever_the_case_typed(client, alice, password) -> None:
    response = sign_in(client, "ALICE@Example.Test", password)
    assert response.status_code == 302 and response.url != LOGIN
    assert client.get(HOME).status_code == 200
