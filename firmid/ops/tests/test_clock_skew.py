"""A node whose clock is off the database's fails readiness and says so; /metrics shows the skew (issue 12, item 7)."""

from __future__ import annotations

import logging
import re

import pytest

from firmid.core import clock


def skew_gauge(client) -> float:
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    return float(re.search(r"^firmid_clock_skew_seconds (\S+)$", text, re.MULTILINE).group(1))


@pytest.mark.django_db
def test_node_clock_45_seconds_ahead_fails_readiness_and_says_why(client, frozen_clock) -> None:
    frozen_clock.advance(45)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["clock"] == "failed"
    # The frozen clock stands still while real time moves on: 44.9 s or 45.0 s.
    assert re.match(
        r"this node's clock is 4[45]\.\d s ahead of the database's \(allowed: 2 s\)", body["reasons"]["clock"]
    )


@pytest.mark.django_db
def test_node_clock_behind_the_database_fails_readiness(client, frozen_clock) -> None:
    frozen_clock.advance(-10)
    response = client.get("/readyz")
    assert response.status_code == 503 and " s behind the database's" in response.json()["reasons"]["clock"]


@pytest.mark.django_db
def test_metrics_expose_the_clock_skew(client, frozen_clock) -> None:
    frozen_clock.advance(45)
    assert skew_gauge(client) == pytest.approx(45, abs=1)
    frozen_clock.advance(-45)
    assert skew_gauge(client) == pytest.approx(0, abs=1)


@pytest.mark.django_db
def test_clock_within_the_bound_is_ready(client, frozen_clock, settings) -> None:
    settings.FIRMID_MAX_CLOCK_SKEW_SECONDS = 5
    frozen_clock.advance(4)
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_skew_is_logged_when_it_goes_out_of_bounds_not_per_probe(client, frozen_clock, caplog) -> None:
    client.get("/readyz")  # within bounds: the process's state starts known
    frozen_clock.advance(45)
    with caplog.at_level(logging.WARNING, logger="firmid.ops"):
        client.get("/readyz")
        client.get("/readyz")
    assert [r.getMessage() for r in caplog.records if "clock skew" in r.getMessage()] == ["clock skew out of bounds"]


@pytest.mark.django_db
def test_database_clock_is_read_from_the_database() -> None:
    assert clock.database_timestamp() == pytest.approx(clock.timestamp(), abs=2)
