"""Impact preview: its numbers equal what each user's own decision says once the proposal is saved."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from firmid.accounts.models import Role, User
from firmid.core import clock
from firmid.mfa.levels.impact import ProposedTypeSettings, TypeImpact, level_change_impact
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import SECOND_FACTOR_KINDS, format_allowed_methods, user_mfa_decision
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm
from firmid.tenancy.services import firm_create
from firmid.testing.factories import activate, connect_sso, give_factor, set_level

TOTP, WEBAUTHN = Authenticator.Type.TOTP.value, Authenticator.Type.WEBAUTHN.value
ROLE_OF_TYPE = {
    UserType.PRACTITIONERS: Role.PRACTITIONER,
    UserType.CLIENTS: Role.STANDARD_CLIENT,
    UserType.CLIENT_EMPLOYEES: Role.CLIENT_EMPLOYEE,
}
DAY = 86_400


@pytest.fixture
def firm(make_user, frozen_clock) -> Firm:
    """Every combination of factors, activation and last sign-in, in each type; a disabled user and an agent."""
    firm = firm_create(name="Impact")
    set_level(firm, UserType.CLIENTS, MfaLevel.SUGGESTED)
    now = clock.now()
    last_logins = (None, now - timedelta(days=3), now - timedelta(days=45))
    kind_sets = ((), (TOTP,), (WEBAUTHN,), (TOTP, WEBAUTHN))
    for user_type, kinds, activated, last_login in product(UserType, kind_sets, (False, True), last_logins):
        user = make_user(role=ROLE_OF_TYPE[user_type], firm=firm)
        for kind in kinds:
            give_factor(user, kind)
        if activated:
            activate(user)
        User.objects.filter(pk=user.pk).update(last_login=last_login)
    disabled = make_user(role=Role.PRACTITIONER, firm=firm)
    User.objects.filter(pk=disabled.pk).update(is_active=False, last_login=now)
    return firm


def oracle(firm: Firm) -> list[TypeImpact]:
    """What each active user's own decision says now, counted per type."""
    since = clock.now() - timedelta(days=30)
    counts = {
        t: dict.fromkeys(("users", "with_mfa", "offered", "forced", "offered_recent", "forced_recent"), 0)
        for t in UserType
    }
    for user in User.objects.filter(firm=firm, is_active=True):
        decision = user_mfa_decision(user=user)
        recent = user.last_login is not None and user.last_login >= since
        count = counts[user.user_type]
        count["users"] += 1
        count["with_mfa"] += decision.asks_for_code
        count["offered"] += decision.may_postpone_enrolment
        count["forced"] += decision.must_enroll
        count["offered_recent"] += decision.may_postpone_enrolment and recent
        count["forced_recent"] += decision.must_enroll and recent
    return counts


def figures(impact: list[TypeImpact]) -> dict[UserType, dict[str, int]]:
    keys = ("users", "with_mfa", "offered", "forced", "offered_recent", "forced_recent")
    return {row.user_type: {key: getattr(row, key) for key in keys} for row in impact}


def save(firm: Firm, proposed: dict[UserType, ProposedTypeSettings]) -> None:
    """Save the proposal as the level services would (straight in the table)."""
    for user_type, settings in proposed.items():
        FirmMfaLevel.objects.update_or_create(
            firm=firm,
            user_type=user_type.value,
            defaults={
                "level": settings.level.value,
                "mandatory_from": settings.mandatory_from,
                "allowed_methods": format_allowed_methods(settings.allowed_methods),
            },
        )


def later(days: float) -> object:
    return clock.now() + timedelta(days=days)


PROPOSALS = {
    "nothing": {},
    "practitioners mandatory": {UserType.PRACTITIONERS: ProposedTypeSettings(MfaLevel.MANDATORY)},
    "practitioners passkeys only, at once": {
        UserType.PRACTITIONERS: ProposedTypeSettings(MfaLevel.MANDATORY, allowed_methods=frozenset({WEBAUTHN}))
    },
    "clients mandatory from a later date": {
        UserType.CLIENTS: ProposedTypeSettings(MfaLevel.MANDATORY, mandatory_from=later(7))
    },
    "clients down to upon request": {UserType.CLIENTS: ProposedTypeSettings(MfaLevel.UPON_REQUEST)},
    "employees suggested, authenticator apps only": {
        UserType.CLIENT_EMPLOYEES: ProposedTypeSettings(MfaLevel.SUGGESTED, allowed_methods=frozenset({TOTP}))
    },
    "every type mandatory, a date already past": {
        t: ProposedTypeSettings(MfaLevel.MANDATORY, mandatory_from=later(-1)) for t in UserType
    },
}


@pytest.mark.parametrize("name", list(PROPOSALS))
def test_impact_equals_every_users_decision_once_the_proposal_is_saved(firm: Firm, name: str) -> None:
    proposed = PROPOSALS[name]
    before = figures(level_change_impact(firm=firm, proposed={}))
    assert before == oracle(firm)  # with nothing proposed: today's numbers
    impact = level_change_impact(firm=firm, proposed=proposed)
    save(firm, proposed)
    assert figures(impact) == oracle(firm)
    for row in impact:  # today's numbers ride along, for "from X to Y"
        today = before[row.user_type]
        assert (row.now_with_mfa, row.now_offered, row.now_forced) == (
            today["with_mfa"],
            today["offered"],
            today["forced"],
        )


def test_every_type_is_listed_in_order_with_its_active_users(firm: Firm) -> None:
    impact = level_change_impact(firm=firm, proposed={})
    assert [row.user_type for row in impact] == list(UserType)
    assert [row.users for row in impact] == [
        24,
        24,
        24,
    ]  # 4 factor sets x 2 activations x 3 sign-ins; not the disabled one


def test_passkeys_only_forces_the_users_with_an_authenticator_app_only(firm: Firm) -> None:
    proposal = ProposedTypeSettings(MfaLevel.UPON_REQUEST, allowed_methods=frozenset({WEBAUTHN}))
    row = level_change_impact(firm=firm, proposed={UserType.PRACTITIONERS: proposal})[0]
    # 12 have a passkey (with or without an app); the 6 with an app only must add a passkey;
    # of the 6 with nothing, the 3 individually activated are forced already.
    assert (row.with_mfa, row.forced, row.offered) == (12, 6 + 3, 0)
    assert (row.now_with_mfa, row.now_forced) == (18, 3)


def test_recent_sign_ins_follow_last_login_as_time_moves(firm: Firm, frozen_clock) -> None:
    mandatory = {UserType.PRACTITIONERS: ProposedTypeSettings(MfaLevel.MANDATORY)}
    row = level_change_impact(firm=firm, proposed=mandatory)[0]
    assert (row.forced, row.forced_recent) == (6, 2)  # no factor: never, 3 days ago, 45 days ago (x2 activations)
    frozen_clock.advance(26 * DAY)  # the sign-in of 3 days ago is now 29 days old
    assert level_change_impact(firm=firm, proposed=mandatory)[0].forced_recent == 2
    frozen_clock.advance(2 * DAY)  # 31 days old
    assert level_change_impact(firm=firm, proposed=mandatory)[0].forced_recent == 0


def test_a_rollout_date_offers_until_the_day_then_forces(firm: Firm, frozen_clock) -> None:
    proposal = {UserType.PRACTITIONERS: ProposedTypeSettings(MfaLevel.MANDATORY, mandatory_from=later(2))}
    row = level_change_impact(firm=firm, proposed=proposal)[0]
    assert (row.offered, row.forced) == (3, 3)  # the 3 individually activated are forced already
    frozen_clock.advance(2 * DAY + 1)
    row = level_change_impact(firm=firm, proposed=proposal)[0]
    assert (row.offered, row.forced) == (0, 6)


def test_sso_type_is_unchanged_whatever_is_proposed(firm: Firm) -> None:
    connect_sso(firm, UserType.CLIENT_EMPLOYEES)
    proposal = {UserType.CLIENT_EMPLOYEES: ProposedTypeSettings(MfaLevel.MANDATORY, allowed_methods=frozenset({TOTP}))}
    row = level_change_impact(firm=firm, proposed=proposal)[2]
    assert row.managed_by_sso and row.users == 24
    assert (row.with_mfa, row.offered, row.forced, row.now_with_mfa, row.now_forced) == (0, 0, 0, 0, 0)
    assert not row.changes


def test_unknown_kinds_in_a_proposal_mean_every_kind(firm: Firm) -> None:
    odd = {UserType.PRACTITIONERS: ProposedTypeSettings(MfaLevel.SUGGESTED, allowed_methods=frozenset({"sms"}))}
    every = {UserType.PRACTITIONERS: ProposedTypeSettings(MfaLevel.SUGGESTED, allowed_methods=SECOND_FACTOR_KINDS)}
    assert level_change_impact(firm=firm, proposed=odd) == level_change_impact(firm=firm, proposed=every)


def test_impact_is_three_queries_whatever_the_number_of_users(firm: Firm, make_user) -> None:
    with CaptureQueriesContext(connection) as before:
        level_change_impact(firm=firm, proposed=PROPOSALS["practitioners mandatory"])
    for _ in range(5):
        give_factor(make_user(role=Role.PRACTITIONER, firm=firm), WEBAUTHN)
    with CaptureQueriesContext(connection) as after:
        level_change_impact(firm=firm, proposed=PROPOSALS["practitioners mandatory"])
    assert len(before) == len(after) == 3
