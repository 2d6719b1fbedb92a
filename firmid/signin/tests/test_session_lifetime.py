"""Session lifetimes: the idle expiry moves with the user's activity, with few writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from firmid.signin.adapter import ACTIVE_AT
from firmid.testing.signin import sign_in_as

HOME = "/my-account/"


@pytest.fixture
def signed_in(client: Client, make_user) -> Client:
    return sign_in_as(client, make_user())


def _row(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]
    ]


def test_a_request_moves_the_idle_expiry_forward(signed_in: Client) -> None:
    Session.objects.filter(session_key=signed_in.session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=2)
    )
    assert signed_in.get(HOME).status_code == 200
    assert _row(signed_in).expire_date > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_requests_within_a_minute_write_the_session_once(signed_in: Client) -> None:
    with CaptureQueriesContext(connection) as first:
        assert signed_in.get(HOME).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert signed_in.get(HOME).status_code == 200
    assert len(_session_writes(first)) == 1
    assert _session_writes(second) == []


def test_a_minute_later_the_next_request_writes_it_again(signed_in: Client, frozen_clock) -> None:
    signed_in.get(HOME)
    moved_at = signed_in.session[ACTIVE_AT]
    frozen_clock.advance(settings.FIRMID_SESSION_REFRESH_SECONDS)
    with CaptureQueriesContext(connection) as later:
        assert signed_in.get(HOME).status_code == 200
    assert len(_session_writes(later)) == 1
    assert signed_in.session[ACTIVE_AT] == moved_at + settings.FIRMID_SESSION_REFRESH_SECONDS


def test_an_idle_session_past_its_expiry_is_signed_out(signed_in: Client) -> None:
    Session.objects.filter(session_key=signed_in.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = signed_in.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
