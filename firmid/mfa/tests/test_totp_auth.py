"""TOTP maths against the RFCs' vectors, and strict parsing of what users type."""

from __future__ import annotations

import base64

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from firmid.core.seams.allauth import hotp_value
from firmid.mfa.factors.totp import auth as totp

RFC_KEY = base64.b32encode(b"12345678901234567890").decode()

RFC4226_APPENDIX_D = [
    "755224",
    "287082",
    "359152",
    "969429",
    "338314",
    "254676",
    "287922",
    "162583",
    "399871",
    "520489",
]

RFC6238_APPENDIX_B_SHA1 = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("counter", "expected"), list(enumerate(RFC4226_APPENDIX_D)))
def test_hotp_matches_rfc4226_appendix_d(counter: int, expected: str) -> None:
    assert totp.code_at_step(RFC_KEY, counter) == expected


@pytest.mark.parametrize(("at", "expected"), RFC6238_APPENDIX_B_SHA1)
def test_totp_matches_rfc6238_appendix_b(at: int, expected: str) -> None:
    with override_settings(MFA_TOTP_DIGITS=8):
        assert f"{hotp_value(RFC_KEY, totp.current_step(at)):08d}" == expected
        assert totp.matching_step(RFC_KEY, expected, at=at) == at // 30


def test_one_step_of_drift_either_way_is_accepted() -> None:
    at = 1_700_000_000
    step = at // 30
    for drift in (-1, 0, 1):
        assert totp.matching_step(RFC_KEY, totp.code_at_step(RFC_KEY, step + drift), at=at) == step + drift


@pytest.mark.parametrize("drift", [-3, -2, 2, 3])
def test_two_steps_of_drift_are_refused(drift: int) -> None:
    at = 1_700_000_000
    code = totp.code_at_step(RFC_KEY, at // 30 + drift)
    assert totp.matching_step(RFC_KEY, code, at=at) is None


@pytest.mark.parametrize("raw", ["123456", " 123456", "123456 ", "\t123456\n", "  000000  "])
def test_six_ascii_digits_after_trimming_spaces_parse(raw: str) -> None:
    assert totp.parse_code(raw) == raw.strip()


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1",
        "12345",
        "1234567",
        "0123456",
        "123 456",
        "123-456",
        "+123456",
        "-123456",
        "12345a",
        "١٢٣٤٥٦",
        "１２３４５６",
        "12345\u0664",
        "123456\x00",
        "0x1234",
        "1e5000",
        "123\u00a0456",
        "12\t3456",
        "123456" * 100,
    ],
)
def test_anything_else_is_refused(raw: str) -> None:
    assert totp.parse_code(raw) is None


@given(st.text(max_size=20))
def test_parsed_codes_are_exactly_six_ascii_digits(raw: str) -> None:
    code = totp.parse_code(raw)
    if code is not None:
        assert len(code) == 6 and code.isascii() and code.isdigit()
        assert raw.strip(" \t\r\n") == code
