"""A firm's MFA settings from outside: every edge parses them here, and a bad value is a clear refusal."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from firmid.core.errors import ServiceError
from firmid.mfa.levels.inputs import parse_mandatory_from, parse_methods, parse_trust_days


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", None),
        (None, None),
        ("2027-01-15", datetime(2027, 1, 15, tzinfo=UTC)),
        (" 2027-01-15 ", datetime(2027, 1, 15, tzinfo=UTC)),
        (date(2027, 1, 15), datetime(2027, 1, 15, tzinfo=UTC)),
    ],
)
def test_a_mandatory_from_day_starts_at_midnight_of_the_site_time_zone(raw, expected) -> None:
    assert parse_mandatory_from(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("15/01/2027", "is not a day: write it YYYY-MM-DD"),
        ("2027-02-30", "is not a day"),
        ("tomorrow", "is not a day"),
        ("2027-01-15T10:00", "is not a day"),
        ("x" * 500, "is not a day"),
        (datetime(2027, 1, 15, tzinfo=UTC), "is a day (YYYY-MM-DD), not a moment"),
    ],
)
def test_a_malformed_mandatory_from_is_refused(raw, message) -> None:
    with pytest.raises(ServiceError, match=re.escape(message)):
        parse_mandatory_from(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("totp,webauthn", {"totp", "webauthn"}),
        ("webauthn", {"webauthn"}),
        (" totp , ", {"totp"}),
        (["webauthn", "totp"], {"totp", "webauthn"}),
        (["totp", "totp"], {"totp"}),
    ],
)
def test_allowed_methods_parse_to_a_set_of_kinds(raw, expected) -> None:
    assert parse_methods(raw) == frozenset(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Allow at least one method"),
        ([], "Allow at least one method"),
        (",", "Allow at least one method"),
        ("sms", "Unknown method 'sms': choose among totp, webauthn"),
        (["totp", "recovery_codes"], "Unknown method 'recovery_codes'"),
        ("TOTP", "Unknown method 'TOTP'"),
    ],
)
def test_bad_allowed_methods_are_refused(raw, message) -> None:
    with pytest.raises(ServiceError, match=message):
        parse_methods(raw)


@pytest.mark.parametrize(("raw", "expected"), [("0", 0), ("30", 30), ("365", 365), (7, 7), (" 14 ", 14)])
def test_trust_browser_days_are_a_whole_number_from_0_to_365(raw, expected) -> None:
    assert parse_trust_days(raw) == expected


@pytest.mark.parametrize("raw", ["366", "-1", "1.5", "", "x", "٣", "+3", True, 10**9])
def test_bad_trust_browser_days_are_refused(raw) -> None:
    with pytest.raises(ServiceError, match="give a whole number from 0 \\(never offered\\) to 365"):
        parse_trust_days(raw)
