"""Recovery codes: their entropy and format, strict reading, storage as digests, single use, regeneration."""

from __future__ import annotations

import json
import math

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from firmid.audit.actions import AuditAction
from firmid.audit.models import AuditEvent
from firmid.mfa.factors.recovery_codes import codes, flows, store
from firmid.mfa.registry import amr_of, factor
from firmid.mfa.selectors import SECOND_FACTOR_KINDS, user_mfa_decision
from firmid.mfa.verification import Outcome
from firmid.policy import MfaLevel, UserType
from firmid.testing.factories import give_factor, set_level

SIGN_IN = AuditAction.MFA_SIGN_IN


def use(user, code: str) -> Outcome:
    return flows.use_recovery_code(user=user, raw_code=code, request=None, purpose=SIGN_IN).outcome


def test_a_code_carries_at_least_112_bits_from_the_crockford_alphabet() -> None:
    code = codes.new_code()
    assert len(code) == codes.LENGTH
    assert set(code) <= set(codes.ALPHABET)
    assert codes.LENGTH * math.log2(len(codes.ALPHABET)) >= 112


def test_a_set_is_ten_distinct_codes_never_the_same_twice() -> None:
    first, second = codes.new_codes(), codes.new_codes()
    assert len(first) == len(set(first)) == codes.COUNT
    assert not set(first) & set(second)


def test_codes_are_shown_in_dashed_groups_of_four() -> None:
    assert codes.shown("ABCDEFGHJKMN0123456789PQ") == "ABCD-EFGH-JKMN-0123-4567-89PQ"


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("ABCD-EFGH-JKMN-0123-4567-89PQ", "ABCDEFGHJKMN0123456789PQ"),
        ("abcd-efgh-jkmn-0123-4567-89pq", "ABCDEFGHJKMN0123456789PQ"),
        ("ABCDEFGHJKMN0123456789PQ", "ABCDEFGHJKMN0123456789PQ"),
        ("  ABCD EFGH JKMN 0123 4567 89PQ\n", "ABCDEFGHJKMN0123456789PQ"),
        ("ABCD-EFGH-JKMN-O123-4567-89PQ", "ABCDEFGHJKMN0123456789PQ"),  # O read as 0 (Crockford)
        ("ABCD-EFGH-JKMN-0I2L-4567-89PQ", "ABCDEFGHJKMN0121456789PQ"),  # I and L read as 1
    ],
)
def test_codes_are_read_in_any_case_with_or_without_separators(typed: str, read: str) -> None:
    assert codes.parse_code(typed) == read


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "123456",  # an authenticator's code
        "ABCD-EFGH-JKMN-0123-4567-89P",  # one short
        "ABCD-EFGH-JKMN-0123-4567-89PQR",  # one long
        "ABCD-EFGH-JKMN-0123-4567-89PU",  # U is not in the alphabet
        "ABCD-EFGH-JKMN-0123-4567-89P\u0131",  # dotless i: its upper case is ASCII
        "ABCD-EFGH-JKMN-0123-4567-89P\uff21",  # fullwidth A
        "ABCD_EFGH_JKMN_0123_4567_89PQ",
        "ABCD-EFGH-JKMN-0123-4567-89PQ" * 3,
    ],
)
def test_anything_else_is_refused_as_malformed(typed: str) -> None:
    assert codes.parse_code(typed) is None


def test_the_database_row_holds_digests_only(make_user) -> None:
    user = make_user()
    give_factor(user)
    plain = flows.recovery_codes_issue(user=user, request=None)
    row = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    stored = json.dumps(row.data)
    for code in plain:
        assert code not in stored
        assert codes.shown(code) not in stored
        assert codes.digest(code) in row.data["unused"]
    assert len(row.data["unused"]) == codes.COUNT


def test_allauths_own_reader_finds_no_code_in_firmids_row(make_user) -> None:
    """Should allauth's recovery-code code ever read the row, it accepts nothing and derives nothing."""
    user = make_user()
    plain = flows.recovery_codes_issue(user=user, request=None)
    wrapped = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).wrap()
    assert wrapped.get_unused_codes() == []
    assert wrapped.validate_code(plain[0]) is False


def test_recovery_codes_never_make_a_user_configured(make_user) -> None:
    user = make_user()
    set_level(user.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    flows.recovery_codes_issue(user=user, request=None)
    assert "recovery_codes" not in SECOND_FACTOR_KINDS
    assert user_mfa_decision(user=user).must_enroll
    assert not factor("recovery_codes").counts_as_second_factor
    assert not factor("recovery_codes").takes_typed_code


def test_the_id_token_reports_a_recovery_code_as_otp() -> None:
    assert amr_of("recovery_codes") == "otp"


def test_a_code_is_accepted_once_then_refused_as_used(make_user) -> None:
    user = make_user()
    plain = flows.recovery_codes_issue(user=user, request=None)
    assert use(user, codes.shown(plain[0]).lower()) is Outcome.ACCEPTED
    assert use(user, plain[0]) is Outcome.REPLAYED
    assert flows.recovery_codes_left(user=user) == codes.COUNT - 1


def test_each_use_is_audited_and_emailed_with_the_codes_left(make_user) -> None:
    user = make_user()
    plain = flows.recovery_codes_issue(user=user, request=None)
    mail.outbox.clear()
    for i, code in enumerate(plain[:2]):
        assert use(user, code) is Outcome.ACCEPTED
        assert AuditEvent.objects.filter(action=AuditAction.MFA_RECOVERY_CODE_USED, subject=user).count() == i + 1
    assert [m.to for m in mail.outbox] == [[user.email]] * 2
    assert "8 recovery codes left" in mail.outbox[-1].body
    assert "If this was not you" in mail.outbox[-1].body
    row = AuditEvent.objects.filter(action=AuditAction.MFA_RECOVERY_CODE_USED).latest("pk")
    assert row.detail == "8 left" and row.factor_type == "recovery_codes"
    for code in plain:  # no audit row holds a code
        assert not AuditEvent.objects.filter(detail__icontains=code).exists()


def test_with_three_or_fewer_left_the_email_asks_for_a_new_set(make_user) -> None:
    user = make_user()
    plain = flows.recovery_codes_issue(user=user, request=None)
    for code in plain[:6]:
        use(user, code)
    assert "generate a new set" not in mail.outbox[-1].body
    used = flows.use_recovery_code(user=user, raw_code=plain[6], request=None, purpose=SIGN_IN)
    assert used.left == 3 and used.few_left
    assert "3 recovery codes left" in mail.outbox[-1].body
    assert "generate a new set" in mail.outbox[-1].body


def test_a_wrong_code_is_refused_and_audited_as_a_failed_attempt(make_user) -> None:
    user = make_user()
    flows.recovery_codes_issue(user=user, request=None)
    assert use(user, codes.new_code()) is Outcome.REFUSED
    failed = AuditEvent.objects.get(action=SIGN_IN, subject=user)
    assert failed.outcome == "failure" and failed.factor_type == "recovery_codes"


def test_a_user_without_a_set_is_refused_like_a_wrong_code(make_user) -> None:
    user = make_user()
    assert use(user, codes.new_code()) is Outcome.REFUSED


def test_regeneration_invalidates_the_whole_old_set_at_once(make_user) -> None:
    user = make_user()
    give_factor(user)
    old = flows.recovery_codes_issue(user=user, request=None)
    mail.outbox.clear()
    new = flows.recovery_codes_issue(user=user, request=None)
    assert Authenticator.objects.filter(user=user, type="recovery_codes").count() == 1
    row = store.user_set(user_id=user.pk)
    assert all(store.knows(row, code) is None for code in old)
    assert use(user, old[0]) is Outcome.REFUSED
    assert use(user, new[0]) is Outcome.ACCEPTED
    generated = AuditEvent.objects.filter(action=AuditAction.MFA_RECOVERY_CODES_GENERATED, subject=user)
    assert generated.count() == 2
    assert "no longer works" in generated.latest("pk").detail
    assert "previous recovery codes no longer work" in mail.outbox[0].body


def test_a_right_code_forgets_past_failures_as_a_right_totp_code_does(make_user, settings) -> None:
    settings.FIRMID_MFA_MAX_FAILURES = 5
    user = make_user()
    plain = flows.recovery_codes_issue(user=user, request=None)
    for _ in range(4):
        assert use(user, codes.new_code()) is Outcome.REFUSED
    assert use(user, plain[0]) is Outcome.ACCEPTED
    for _ in range(4):  # four more wrong ones do not lock: the count started again
        assert use(user, codes.new_code()) is Outcome.REFUSED
    assert use(user, plain[1]) is Outcome.ACCEPTED


def test_the_factor_describes_a_set_by_the_codes_left(make_user) -> None:
    user = make_user()
    plain = flows.recovery_codes_issue(user=user, request=None)
    use(user, plain[0])
    summary = factor("recovery_codes").describe(store.user_set(user_id=user.pk))
    assert summary.name == "9 of 10 left"
    assert summary.kind_label == "Recovery codes"
    assert summary.last_used is not None
