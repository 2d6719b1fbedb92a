"""Health, readiness, metrics and structured logs."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection

from firmid.audit.actions import AuditAction, AuditOutcome, AuditReason
from firmid.audit.services import audit_record
from firmid.ops.logging import JsonFormatter


@pytest.mark.django_db
def test_healthz_answers_without_the_database(client, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_cache(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "clock": "ok", "encryption_keys": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_is_gone(client, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise connection.Database.OperationalError("server closed the connection")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failed"


@pytest.mark.django_db
def test_metrics_count_sign_in_events(client) -> None:
    audit_record(action=AuditAction.MFA_SIGN_IN, outcome=AuditOutcome.FAILURE, reasons=[AuditReason.ACCOUNT_LOCKED])
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'firmid_second_factor_checks_total{outcome="failure"}' in text
    assert "firmid_lockouts_total" in text and "firmid_request_seconds_bucket" in text


def test_metrics_are_refused_outside_the_allowed_networks(client) -> None:
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403


@pytest.mark.django_db
def test_audit_events_are_logged_as_json_without_secrets(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="firmid.audit"):
        audit_record(action="sign_in_password", outcome="failure", detail="as someone@example.test")
    line = json.loads(JsonFormatter().format(caplog.records[-1]))
    assert line["event"] == "sign_in_password" and line["outcome"] == "failure"
    assert line["logger"] == "firmid.audit" and "password" not in {k.lower() for k in line}


@pytest.mark.django_db
def test_database_outage_gives_503_with_retry_after(client, monkeypatch) -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    def unreachable(self):
        raise OperationalError("could not connect to server: Connection refused")

    client.raise_request_exception = False
    client.cookies["firmid_session"] = "x" * 32
    monkeypatch.setattr(SessionStore, "load", unreachable)
    response = client.get("/my-account/")
    assert response.status_code == 503 and response["Retry-After"] == "5"


@pytest.mark.django_db
def test_other_errors_stay_500(client, monkeypatch) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    def broken(self):
        raise RuntimeError("bug")

    client.raise_request_exception = False
    client.cookies["firmid_session"] = "x" * 32
    monkeypatch.setattr(SessionStore, "load", broken)
    assert client.get("/my-account/").status_code == 500


@pytest.mark.django_db
def test_database_lost_while_saving_the_session_is_503_not_400(client, monkeypatch, make_user) -> None:
    """Django's backend reports any error saving a session as "session interrupted" (400)."""
    from django.contrib.sessions.models import Session
    from django.db import OperationalError

    from firmid.testing.signin import sign_in_as

    sign_in_as(client, make_user())  # signed in now: the next request moves the idle expiry
    client.raise_request_exception = False

    def lost_midway(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Session, "save", lost_midway)
    response = client.get("/accounts/login/")
    assert response.status_code == 503 and response["Retry-After"] == "5"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/login/", {"login": "a\x00@example.test", "password": "x"}),
        ("/oauth/token/", {"grant_type": "authorization_code", "code": "\x00"}),
    ],
)
def test_nul_bytes_in_parameters_are_refused_with_400(client, path: str, data: dict) -> None:
    response = client.post(path, data)
    assert response.status_code == 400
    assert client.get(path, {"q": "\x00"}).status_code == 400
