"""I can't use my authenticator: a recovery code, or a request for support's help (that signs nobody in)."""

from __future__ import annotations

import pytest
from django.core import mail

from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.core import clock
from firmid.mfa.factors.recovery_codes import flows
from firmid.mfa.lost_device import PER_USER_PER_DAY, firm_open_lost_device_requests, open_lost_device_requests
from firmid.mfa.models import LostDeviceRequest
from firmid.tenancy.services import firm_create
from firmid.testing.factories import give_factor
from firmid.testing.signin import HOME, LOGIN, MFA, sign_in, sign_in_as

LOST = "/accounts/2fa/lost-device/"


@pytest.fixture
def dan(make_user):
    """A user with an authenticator app (and no recovery codes)."""
    user = make_user(email="dan@example.test")
    give_factor(user)
    return user


def at_code_page(client, user, password: str) -> None:
    assert sign_in(client, user.email, password).url == MFA


def test_code_page_links_to_the_way_out(client, dan, password) -> None:
    at_code_page(client, dan, password)
    assert 'id="cant-use-authenticator" href="/accounts/2fa/lost-device/"' in client.get(MFA).content.decode()
    page = client.get(LOST).content.decode()
    assert "Ask support for help" in page
    assert 'id="no-recovery-codes"' in page  # dan has none to offer


def test_a_user_with_recovery_codes_is_offered_one(client, dan, password) -> None:
    flows.recovery_codes_issue(user=dan, request=None)
    at_code_page(client, dan, password)
    assert 'href="/accounts/2fa/recovery-code/"' in client.get(LOST).content.decode()


def test_asking_support_records_one_request_audits_and_emails_but_signs_nobody_in(client, dan, password) -> None:
    at_code_page(client, dan, password)
    mail.outbox.clear()
    page = client.post(LOST, {"ask_support": "1"})
    assert page.status_code == 200 and 'id="lost-device-sent"' in page.content.decode()
    assert "support checks that it is really you" in page.content.decode()
    request = LostDeviceRequest.objects.get(user=dan)
    assert request.firm == dan.firm and request.ip == "127.0.0.1" and request.handled_at is None
    assert abs(request.created_at.timestamp() - clock.timestamp()) < 60
    audit = AuditEvent.objects.get(action=AuditAction.MFA_LOST_DEVICE_REPORTED)
    assert audit.subject == dan and audit.firm == dan.firm and audit.ip_address == "127.0.0.1"
    assert [m.to for m in mail.outbox] == [[dan.email]]
    assert "then reset your multi-factor authentication" in mail.outbox[0].body.replace("\n", " ")
    assert client.get(HOME).status_code == 302  # not signed in
    assert client.get(MFA).status_code == 200  # the code is still asked


def test_a_second_click_says_it_was_sent_already_and_makes_no_second_request(client, dan, password) -> None:
    at_code_page(client, dan, password)
    client.post(LOST, {"ask_support": "1"})
    client.logout()
    at_code_page(client, dan, password)
    mail.outbox.clear()
    again = client.post(LOST, {"ask_support": "1"})
    assert "You already asked for help" in again.content.decode()
    assert LostDeviceRequest.objects.filter(user=dan).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.MFA_LOST_DEVICE_REPORTED).count() == 1
    assert mail.outbox == []


def test_requests_are_limited_per_user_and_day(client, dan, password) -> None:
    at_code_page(client, dan, password)
    for _ in range(PER_USER_PER_DAY):
        client.post(LOST, {"ask_support": "1"})
        LostDeviceRequest.objects.filter(user=dan).update(handled_at=clock.now())  # support closed it
    refused = client.post(LOST, {"ask_support": "1"})
    assert refused.status_code == 429
    assert LostDeviceRequest.objects.filter(user=dan).count() == PER_USER_PER_DAY


def test_the_page_is_unavailable_outside_a_pending_sign_in(client, dan) -> None:
    assert client.get(LOST).url == LOGIN
    assert client.post(LOST, {"ask_support": "1"}).url == LOGIN
    sign_in_as(client, dan)
    assert client.post(LOST, {"ask_support": "1"}).status_code == 302  # signed in: no such step
    assert not LostDeviceRequest.objects.exists()


def test_selectors_list_open_requests_of_the_user_and_of_the_firm(client, dan, password, make_user) -> None:
    other_firm_user = make_user(firm=firm_create(name="Other Firm"))
    give_factor(other_firm_user)
    at_code_page(client, dan, password)
    client.post(LOST, {"ask_support": "1"})
    assert [r.user for r in open_lost_device_requests(user=dan)] == [dan]
    assert [r.user for r in firm_open_lost_device_requests(firm=dan.firm)] == [dan]
    assert not firm_open_lost_device_requests(firm=other_firm_user.firm).exists()
    LostDeviceRequest.objects.update(handled_at=clock.now())
    assert not open_lost_device_requests(user=dan).exists()
