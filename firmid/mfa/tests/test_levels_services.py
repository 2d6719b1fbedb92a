"""Saving a firm's MFA settings: the level with its rollout date, the factor options, their audit rows and confirmations."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.utils.formats import date_format

from firmid.accounts.models import Role, User
from firmid.audit.models import AuditEvent
from firmid.core import clock
from firmid.core.errors import Conflict, NotAllowed, ServiceError
from firmid.mfa.levels.inputs import start_of_day
from firmid.mfa.levels.selectors import TypeMfaOptions, firm_type_mfa_options
from firmid.mfa.levels.services import (
    ConfirmationRequired,
    SettingsPlan,
    TypeSettingsInput,
    firm_save_mfa_settings,
    firm_set_mfa_levels,
    plan_settings,
)
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm
from firmid.tenancy.services import firm_create
from firmid.testing.concurrency import race
from firmid.testing.factories import agent_make, connect_sso, give_factor, user_make
from firmid.testing.state import mfa_state

P = UserType.PRACTITIONERS
MANDATORY = MfaLevel.MANDATORY


@pytest.fixture
def firm(db) -> Firm:
    return firm_create(name="Rollout Firm")


@pytest.fixture
def agent(make_agent) -> User:
    return make_agent(2)


def in_days(days: int) -> datetime:
    """Midnight (UTC) `days` days from today, as the forms give a day."""
    return start_of_day((clock.now() + timedelta(days=days)).date())


def save(agent: User, firm: Firm, confirmed: bool = False, **given) -> SettingsPlan:
    return firm_save_mfa_settings(actor=agent, firm=firm, settings={P: TypeSettingsInput(**given)}, confirmed=confirmed)


def options(firm: Firm) -> TypeMfaOptions:
    return firm_type_mfa_options(firm=firm, user_type=P)


def audit_rows(action: str) -> list[tuple]:
    rows = AuditEvent.objects.filter(action=action).order_by("id")
    return list(rows.values_list("actor_email", "user_type", "old_value", "new_value", "detail"))


# --- the level and its date -------------------------------------------------------------


def test_mandatory_from_a_future_day_is_saved_with_its_date_in_the_audit_row(agent, firm, frozen_clock) -> None:
    day = in_days(30)
    plan = save(agent, firm, level=MANDATORY, mandatory_from=day)
    assert (options(firm).level, options(firm).mandatory_from) == (MANDATORY, day)
    assert [str(c) for c in plan.level_changes] == [
        f"Practitioners: Upon request → Mandatory from {date_format(day, 'DATE_FORMAT')}"
    ]
    assert audit_rows("mfa_level_changed") == [
        (agent.email, "practitioners", "upon_request", "mandatory", f"mandatory from {day:%Y-%m-%d}")
    ]


def test_tightening_with_no_date_takes_effect_at_once_and_replaces_a_pending_date(agent, firm, frozen_clock) -> None:
    day = in_days(30)
    save(agent, firm, level=MANDATORY, mandatory_from=day)
    plan = save(agent, firm, level=MANDATORY)
    assert options(firm).mandatory_from is None
    assert [(c.old, c.new, c.old_from, c.new_from) for c in plan.level_changes] == [(MANDATORY, MANDATORY, day, None)]
    assert audit_rows("mfa_level_changed")[-1][-1] == f"at once (was mandatory from {day:%Y-%m-%d})"


def test_moving_the_date_is_a_level_change_audited_with_both_dates(agent, firm, frozen_clock) -> None:
    first, later = in_days(10), in_days(40)
    save(agent, firm, level=MANDATORY, mandatory_from=first)
    save(agent, firm, level=MANDATORY, mandatory_from=later)
    assert audit_rows("mfa_level_changed")[-1][2:] == (
        "mandatory",
        "mandatory",
        f"mandatory from {later:%Y-%m-%d} (was mandatory from {first:%Y-%m-%d})",
    )


@pytest.mark.parametrize("days", [0, -1, -400])
def test_a_mandatory_from_day_not_in_the_future_is_refused_and_changes_nothing(agent, firm, days) -> None:
    before = mfa_state()
    with pytest.raises(
        ServiceError,
        match="is not in the future. Choose a later day, or leave the date empty: "
        "tightening with no date takes effect at once.",
    ):
        save(agent, firm, level=MANDATORY, mandatory_from=in_days(days))
    assert mfa_state() == before


@pytest.mark.parametrize("level", [MfaLevel.SUGGESTED, MfaLevel.UPON_REQUEST])
def test_a_date_with_another_level_than_mandatory_is_refused(agent, firm, level) -> None:
    with pytest.raises(ServiceError, match="Mandatory from goes with the Mandatory level only"):
        save(agent, firm, level=level, mandatory_from=in_days(5), confirmed=True)


def test_a_date_without_a_level_is_refused(agent, firm) -> None:
    with pytest.raises(ServiceError, match="Give the Mandatory level of Practitioners with its Mandatory from date"):
        save(agent, firm, level=None, mandatory_from=in_days(5))


def test_saving_again_after_the_day_passed_changes_nothing(agent, firm, frozen_clock) -> None:
    day = in_days(3)
    save(agent, firm, level=MANDATORY, mandatory_from=day)
    frozen_clock.advance(4 * 86400)
    before = mfa_state()
    # The page shows no date once it passed; the API may send the stored one back: both are no change.
    assert not save(agent, firm, level=MANDATORY).changed
    assert not save(agent, firm, level=MANDATORY, mandatory_from=day).changed
    assert mfa_state() == before
    assert options(firm).mandatory_from == day


def test_lowering_to_upon_request_still_asks_to_confirm(agent, firm) -> None:
    save(agent, firm, level=MANDATORY)
    with pytest.raises(ConfirmationRequired, match="Moving a user type to Upon request must be confirmed."):
        save(agent, firm, level=MfaLevel.UPON_REQUEST)
    assert save(agent, firm, level=MfaLevel.UPON_REQUEST, confirmed=True).deactivates


def test_the_levels_only_service_keeps_the_options(agent, firm) -> None:
    save(agent, firm, level=MfaLevel.SUGGESTED, allowed_methods=frozenset({"webauthn"}), trust_browser_days=30)
    changes = firm_set_mfa_levels(actor=agent, firm=firm, levels={P: MANDATORY})
    assert [(c.old, c.new) for c in changes] == [(MfaLevel.SUGGESTED, MANDATORY)]
    assert (options(firm).allowed_methods, options(firm).trust_browser_days) == (frozenset({"webauthn"}), 30)


# --- the options ------------------------------------------------------------------------------


def test_each_option_changed_is_one_audit_row_with_old_and_new(agent, firm) -> None:
    plan = save(
        agent,
        firm,
        level=MfaLevel.SUGGESTED,
        allowed_methods=frozenset({"webauthn"}),
        passwordless_passkeys=True,
        trust_browser_days=30,
        email_code_before_enrolment=True,
    )
    saved = options(firm)
    assert (saved.allowed_methods, saved.passwordless_passkeys, saved.trust_browser_days) == (
        frozenset({"webauthn"}),
        True,
        30,
    )
    assert saved.email_code_before_enrolment
    assert FirmMfaLevel.objects.get(firm=firm).allowed_methods == "webauthn"
    assert audit_rows("mfa_options_changed") == [
        (agent.email, "practitioners", "totp,webauthn", "webauthn", "allowed_methods"),
        (agent.email, "practitioners", "false", "true", "passwordless_passkeys"),
        (agent.email, "practitioners", "0", "30", "trust_browser_days"),
        (agent.email, "practitioners", "false", "true", "email_code_before_enrolment"),
    ]
    assert (
        "Practitioners: Allowed methods Authenticator app, Passkeys and security keys → Passkeys and security keys"
        in [str(c) for c in plan.option_changes]
    )


def test_options_alone_keep_the_level_and_its_date(agent, firm, frozen_clock) -> None:
    day = in_days(20)
    save(agent, firm, level=MANDATORY, mandatory_from=day)
    plan = save(agent, firm, level=None, trust_browser_days=7)
    assert not plan.level_changes and len(plan.option_changes) == 1
    assert (options(firm).level, options(firm).mandatory_from, options(firm).trust_browser_days) == (MANDATORY, day, 7)


def test_every_method_allowed_is_stored_as_every_kind(agent, firm) -> None:
    save(agent, firm, level=MfaLevel.SUGGESTED, allowed_methods=frozenset({"webauthn"}))
    save(agent, firm, level=MfaLevel.SUGGESTED, allowed_methods=frozenset({"totp", "webauthn"}))
    assert FirmMfaLevel.objects.get(firm=firm).allowed_methods == ""


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"allowed_methods": frozenset({"totp"}), "passwordless_passkeys": True},
            "Passkey sign-in without a password needs Passkeys and security keys among the allowed methods",
        ),
        ({"trust_browser_days": 366}, "from 0 \\(never offered\\) to 365 days"),
        ({"trust_browser_days": -1}, "from 0 \\(never offered\\) to 365 days"),
        ({"allowed_methods": frozenset()}, "Allow at least one method"),
        ({"allowed_methods": frozenset({"sms"})}, "Allow at least one method"),
    ],
)
def test_options_that_cannot_hold_are_refused_and_change_nothing(agent, firm, given, message) -> None:
    before = mfa_state()
    with pytest.raises(ServiceError, match=message):
        save(agent, firm, level=MfaLevel.SUGGESTED, **given)
    assert mfa_state() == before


def test_taking_passkeys_away_while_passwordless_is_on_is_refused(agent, firm) -> None:
    save(agent, firm, level=MfaLevel.SUGGESTED, passwordless_passkeys=True)
    with pytest.raises(ServiceError, match="Passkey sign-in without a password needs"):
        save(agent, firm, level=None, allowed_methods=frozenset({"totp"}))


def test_options_of_a_type_under_sso_are_refused(agent, firm) -> None:
    connect_sso(firm, P)
    with pytest.raises(Conflict, match="sign in through the firm's SSO connection"):
        save(agent, firm, level=None, trust_browser_days=30)


def test_a_level_1_agent_may_not_save_settings(make_agent, firm) -> None:
    with pytest.raises(NotAllowed):
        save(make_agent(1), firm, level=None, trust_browser_days=30)


# --- restricting methods must be confirmed -------------------------------------------------


def practitioner(firm: Firm, n: int, *kinds: str, active: bool = True) -> User:
    user = user_make(number=n, role=Role.PRACTITIONER, firm=firm)
    for kind in kinds:
        give_factor(user, kind)
    if not active:
        User.objects.filter(pk=user.pk).update(is_active=False)
    return user


def test_restricting_methods_says_how_many_users_lose_their_only_factor(agent, firm) -> None:
    for n in range(12):
        practitioner(firm, n, Authenticator.Type.TOTP)
    practitioner(firm, 20, Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)  # keeps a passkey
    practitioner(firm, 21, Authenticator.Type.WEBAUTHN)
    practitioner(firm, 22)  # no factor: nothing taken away
    practitioner(firm, 23, Authenticator.Type.TOTP, active=False)
    user_make(number=30, role=Role.STANDARD_CLIENT, firm=firm)
    before = mfa_state()
    with pytest.raises(ConfirmationRequired) as refused:
        save(agent, firm, level=None, allowed_methods=frozenset({"webauthn"}))
    assert refused.value.message == (
        "Restricting the allowed methods must be confirmed: "
        "12 practitioners will have to add a passkey at their next sign-in."
    )
    assert mfa_state() == before
    plan = save(agent, firm, level=None, allowed_methods=frozenset({"webauthn"}), confirmed=True)
    assert plan.restrictions == ("12 practitioners will have to add a passkey at their next sign-in.",)
    assert options(firm).allowed_methods == frozenset({"webauthn"})


def test_one_user_losing_their_authenticator_app_is_said_in_the_singular(agent, firm) -> None:
    practitioner(firm, 1, Authenticator.Type.WEBAUTHN)
    plan = plan_settings(firm=firm, settings={P: TypeSettingsInput(level=None, allowed_methods=frozenset({"totp"}))})
    assert plan.restrictions == ("1 practitioner will have to add an authenticator app at their next sign-in.",)


def test_restricting_methods_that_nobody_relies_on_alone_needs_no_confirmation(agent, firm) -> None:
    practitioner(firm, 1, Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
    practitioner(firm, 2)
    plan = save(agent, firm, level=None, allowed_methods=frozenset({"webauthn"}))
    assert plan.option_changes and not plan.needs_confirmation


def test_deactivating_and_restricting_at_once_says_both(agent, firm) -> None:
    save(agent, firm, level=MANDATORY)
    practitioner(firm, 1, Authenticator.Type.TOTP)
    with pytest.raises(ConfirmationRequired) as refused:
        save(agent, firm, level=MfaLevel.UPON_REQUEST, allowed_methods=frozenset({"webauthn"}))
    assert refused.value.message == (
        "Moving a user type to Upon request must be confirmed. Restricting the allowed methods must be "
        "confirmed: 1 practitioner will have to add a passkey at their next sign-in."
    )


# --- two agents at once ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_agents_saving_the_same_change_at_once_save_and_audit_it_once() -> None:
    firm = firm_create(name="Race Firm")
    agents = [agent_make(level=2, email=f"racer{n}@firmid.test") for n in range(3)]
    day = in_days(30)

    turns = iter(agents)
    plans = race(3, lambda: save(next(turns), firm, level=MANDATORY, mandatory_from=day, trust_browser_days=3))
    assert sorted(p.changed for p in plans) == [False, False, True]
    assert AuditEvent.objects.filter(action="mfa_level_changed").count() == 1
    assert AuditEvent.objects.filter(action="mfa_options_changed").count() == 1
