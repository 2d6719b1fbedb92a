"""Support changes a user's one address: level 2/3 only, unique, audited, sessions and tokens ended, both told."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from firmid.accounts import services
from firmid.accounts.models import Role, User
from firmid.accounts.services import user_change_email
from firmid.audit.models import AuditEvent
from firmid.core.errors import Conflict, NotAllowed, ServiceError
from firmid.testing.oidc import USERINFO, code_flow, oauth_error, refresh
from firmid.testing.signin import HOME, sign_in

NEW = "alice.new@example.test"


def _state(user: User) -> tuple:
    """What an address change could alter: the user's row, their address rows, the audit log's size."""
    return (
        User.objects.values_list("email", "session_generation").get(pk=user.pk),
        sorted(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")),
        AuditEvent.objects.count(),
    )


def test_new_address_signs_in_and_the_old_one_no_longer_does(
    alice, password, make_agent, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        user_change_email(actor=make_agent(2), user=alice, email="  Alice.New@Example.TEST ")
    assert User.objects.get(pk=alice.pk).email == NEW
    assert list(EmailAddress.objects.filter(user=alice).values_list("email", "verified", "primary")) == [
        (NEW, True, True)
    ]
    assert sign_in(Client(), "alice@example.test", password).status_code == 200
    assert sign_in(Client(), NEW, password).status_code == 302


def test_address_change_ends_every_session_and_token_of_the_user(alice, password, make_agent, registration) -> None:
    application = Client()
    _, tokens = code_flow(application, registration, alice, password)
    user_change_email(actor=make_agent(3), user=alice, email=NEW)
    assert application.get(HOME).status_code == 302
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    assert Client().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 401


def test_address_change_is_audited_with_the_old_and_new_address(alice, make_agent) -> None:
    agent = make_agent(2)
    user_change_email(actor=agent, user=alice, email=NEW)
    event = AuditEvent.objects.get(action="email_changed")
    assert (event.actor_id, event.subject_id, event.firm_id, event.outcome) == (
        agent.pk,
        alice.pk,
        alice.firm_id,
        "success",
    )
    assert (event.old_value, event.new_value, event.subject_email) == ("alice@example.test", NEW, NEW)


def test_long_addresses_are_audited_whole(alice, make_agent) -> None:
    long_address = f"{'a' * 64}@{'b' * 60}.{'c' * 60}.example.test"
    user_change_email(actor=make_agent(2), user=alice, email=long_address)
    assert AuditEvent.objects.get(action="email_changed").new_value == long_address


def test_old_address_gets_a_notice_and_the_new_one_a_note(
    alice, make_agent, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        user_change_email(actor=make_agent(2), user=alice, email=NEW)
    assert [m.to for m in mail.outbox] == [["alice@example.test"], [NEW]]
    assert "contact your firm's support at once" in mail.outbox[0].body and NEW in mail.outbox[0].body


def test_reset_link_sent_to_the_old_address_dies_with_the_change(alice, make_agent) -> None:
    Client().post("/accounts/password/reset/", {"email": alice.email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    user_change_email(actor=make_agent(2), user=alice, email=NEW)
    assert Client().get(link).context["token_fail"]


def test_level_1_agent_cannot_change_an_address(alice, make_agent) -> None:
    before = _state(alice)
    with pytest.raises(NotAllowed):
        user_change_email(actor=make_agent(1), user=alice, email=NEW)
    assert _state(alice) == before


def test_firm_user_cannot_change_an_address(alice, make_user) -> None:
    with pytest.raises(NotAllowed):
        user_change_email(actor=alice, user=alice, email=NEW)
    with pytest.raises(NotAllowed):
        user_change_email(actor=make_user(role=Role.PRACTITIONER), user=alice, email=NEW)


def test_support_agents_addresses_are_not_changed_here(make_agent) -> None:
    agent = make_agent(3)
    with pytest.raises(Conflict):
        user_change_email(actor=agent, user=agent, email="someone@firmid.test")


@pytest.mark.parametrize(
    "email", ["", "   ", "not-an-address", "a@b", "alice@", "x" * 250 + "@example.test", "a\x00@b.test"]
)
def test_invalid_address_is_refused_with_a_clear_message(alice, make_agent, email: str) -> None:
    before = _state(alice)
    with pytest.raises(ServiceError) as refused:
        user_change_email(actor=make_agent(2), user=alice, email=email)
    assert refused.value.status == 400 and "address" in refused.value.message
    assert _state(alice) == before


def test_another_users_address_is_refused_in_any_case(alice, make_user, make_agent) -> None:
    make_user(role=Role.PRACTITIONER, email="bob@example.test")
    before = _state(alice)
    with pytest.raises(Conflict) as refused:
        user_change_email(actor=make_agent(2), user=alice, email="Bob@Example.test")
    assert "Another account already uses bob@example.test" in refused.value.message
    assert _state(alice) == before


def test_an_agents_address_is_refused(alice, make_agent) -> None:
    agent = make_agent(2)
    with pytest.raises(Conflict):
        user_change_email(actor=agent, user=alice, email=agent.email)


def test_the_same_address_is_refused(alice, make_agent) -> None:
    with pytest.raises(ServiceError) as refused:
        user_change_email(actor=make_agent(2), user=alice, email="ALICE@example.test")
    assert refused.value.status == 400


def test_address_change_and_its_audit_row_commit_together(alice, make_agent, monkeypatch) -> None:
    agent = make_agent(2)
    before = _state(alice)

    def broken_audit(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        user_change_email(actor=agent, user=alice, email=NEW)
    assert _state(alice) == before
    assert mail.outbox == []
