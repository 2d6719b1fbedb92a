"""Undoing MFA's individual activation for a user, and the decisions that say what a change leads to."""

from __future__ import annotations

from collections import Counter

import pytest
from allauth.mfa.models import Authenticator

from firmid.accounts.models import Role, User
from firmid.audit.models import AuditEvent
from firmid.core.errors import Conflict, NotAllowed
from firmid.mfa import services
from firmid.mfa.selectors import (
    user_mfa_decision,
    user_mfa_decision_after_deactivation,
    user_mfa_decision_after_reset,
)
from firmid.mfa.services import user_activate_mfa, user_deactivate_mfa, user_reset_mfa
from firmid.policy import Action, ForcedBy, MfaLevel, Status, UserType
from firmid.testing.concurrency import race
from firmid.testing.factories import activate, connect_sso, give_factor, set_level


@pytest.fixture
def agent(make_agent) -> User:
    return make_agent(2)


@pytest.fixture
def activated(make_user, agent) -> User:
    """A practitioner whose firm's level is Upon request, for whom support activated MFA."""
    user = make_user(Role.PRACTITIONER)
    user_activate_mfa(actor=agent, user=user)
    return user


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_undoing_an_activation_ends_forced_and_is_audited_with_old_and_new_status(agent, activated) -> None:
    assert user_mfa_decision(user=activated).forced_by == {ForcedBy.INDIVIDUAL_ACTIVATION}
    user_deactivate_mfa(actor=agent, user=activated)
    assert not fresh(activated).mfa_individually_activated
    assert user_mfa_decision(user=fresh(activated)).status is Status.NOT_OFFERED
    event = AuditEvent.objects.get(action="mfa_user_deactivated")
    assert (event.actor, event.subject, event.firm_id) == (agent, activated, activated.firm_id)
    assert (event.old_value, event.new_value) == ("Forced", "Not offered")


def test_undoing_an_activation_keeps_the_factor_the_user_configured(agent, activated) -> None:
    give_factor(activated)
    user_deactivate_mfa(actor=agent, user=activated)
    decision = user_mfa_decision(user=fresh(activated))
    assert (decision.status, decision.action) == (Status.CONFIGURED, Action.VERIFY)
    assert Authenticator.objects.filter(user=activated).exists()
    event = AuditEvent.objects.get(action="mfa_user_deactivated")
    assert (event.old_value, event.new_value) == ("Configured", "Configured")


def test_undoing_an_activation_under_mandatory_leaves_the_user_forced_by_the_firm_level(agent, activated) -> None:
    set_level(activated.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    assert user_mfa_decision_after_deactivation(user=activated).forced_by == {ForcedBy.FIRM_LEVEL}
    user_deactivate_mfa(actor=agent, user=activated)
    decision = user_mfa_decision(user=fresh(activated))
    assert (decision.status, decision.forced_by) == (Status.FORCED, {ForcedBy.FIRM_LEVEL})


def test_level_1_agent_undoing_an_activation_is_refused_and_changes_nothing(make_agent, activated) -> None:
    with pytest.raises(NotAllowed, match="Only level 2 and 3 support agents"):
        user_deactivate_mfa(actor=make_agent(1), user=activated)
    assert fresh(activated).mfa_individually_activated
    assert not AuditEvent.objects.filter(action="mfa_user_deactivated").exists()


def test_firm_user_undoing_their_own_activation_is_refused(activated) -> None:
    with pytest.raises(NotAllowed):
        user_deactivate_mfa(actor=activated, user=activated)
    assert fresh(activated).mfa_individually_activated


def test_undoing_an_activation_of_a_user_under_sso_is_refused(agent, activated) -> None:
    connect_sso(activated.firm, UserType.PRACTITIONERS, issuer="https://idp.test")
    with pytest.raises(Conflict, match="identity provider manages MFA, so it cannot be deactivated here"):
        user_deactivate_mfa(actor=agent, user=activated)
    assert fresh(activated).mfa_individually_activated


def test_undoing_mfa_of_a_support_agent_is_refused(agent, make_agent) -> None:
    other = make_agent(1, email="other.l1@firmid.test")
    activate(other)
    with pytest.raises(Conflict, match="Support agents always use MFA"):
        user_deactivate_mfa(actor=agent, user=fresh(other))
    assert fresh(other).mfa_individually_activated


def test_undoing_an_activation_that_was_never_made_is_refused(agent, make_user) -> None:
    with pytest.raises(Conflict, match="MFA was not activated for this user"):
        user_deactivate_mfa(actor=agent, user=make_user())
    assert not AuditEvent.objects.filter(action="mfa_user_deactivated").exists()


def test_undoing_an_activation_is_written_with_its_audit_row_or_not_at_all(agent, activated, monkeypatch) -> None:
    def failing_audit(**fields: object) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        user_deactivate_mfa(actor=agent, user=activated)
    assert fresh(activated).mfa_individually_activated


@pytest.mark.django_db(transaction=True)
def test_two_agents_undoing_the_same_activation_at_once_change_and_audit_it_once(make_agent, make_user) -> None:
    agent = make_agent(2)
    user = make_user()
    user_activate_mfa(actor=agent, user=user)

    def undo() -> str:
        try:
            user_deactivate_mfa(actor=agent, user=fresh(user))
        except Conflict:
            return "refused"
        return "undone"

    outcomes = race(4, undo)
    assert Counter(outcomes)["undone"] == 1
    assert AuditEvent.objects.filter(action="mfa_user_deactivated").count() == 1


# --- what a reset leads to ------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "activated", "status", "forced_by"),
    [
        (MfaLevel.UPON_REQUEST, False, Status.NOT_OFFERED, set()),
        (MfaLevel.SUGGESTED, False, Status.SUGGESTED, set()),
        (MfaLevel.MANDATORY, False, Status.FORCED, {ForcedBy.FIRM_LEVEL}),
        (MfaLevel.UPON_REQUEST, True, Status.FORCED, {ForcedBy.INDIVIDUAL_ACTIVATION}),
        (MfaLevel.MANDATORY, True, Status.FORCED, {ForcedBy.FIRM_LEVEL, ForcedBy.INDIVIDUAL_ACTIVATION}),
    ],
)
def test_decision_after_reset_is_what_the_user_meets_after_a_real_reset(
    agent, make_user, level, activated, status, forced_by
) -> None:
    user = make_user()
    set_level(user.firm, UserType.PRACTITIONERS, level)
    User.objects.filter(pk=user.pk).update(mfa_individually_activated=activated)
    user = fresh(user)
    give_factor(user)
    predicted = user_mfa_decision_after_reset(user=user)
    assert (predicted.status, predicted.forced_by) == (status, forced_by)
    user_reset_mfa(actor=agent, user=user, reason="Lost phone")
    assert user_mfa_decision(user=fresh(user)) == predicted
