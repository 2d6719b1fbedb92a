"""A request reads a user's MFA snapshot once, and forgets it when a decision's input is written."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from firmid.accounts.models import Role
from firmid.core.request_memo import request_scope
from firmid.mfa.selectors import user_mfa_decision
from firmid.mfa.services import user_activate_mfa
from firmid.policy import Action, MfaLevel, UserType
from firmid.testing.factories import give_factor, set_level


def _decide_counting(user) -> tuple[Action, int]:
    with CaptureQueriesContext(connection) as queries:
        action = user_mfa_decision(user=user).action
    return action, len(queries)


def test_within_a_request_the_snapshot_is_read_once(make_user) -> None:
    user = make_user()
    with request_scope():
        assert _decide_counting(user) == (Action.NONE, 1)
        assert _decide_counting(user) == (Action.NONE, 0)


def test_outside_a_request_every_decision_reads_the_database(make_user) -> None:
    user = make_user()
    assert _decide_counting(user) == (Action.NONE, 1)
    assert _decide_counting(user) == (Action.NONE, 1)


def test_a_factor_set_up_in_the_request_is_seen_by_its_next_decision(make_user) -> None:
    user = make_user()
    with request_scope():
        assert _decide_counting(user)[0] is Action.NONE
        give_factor(user)
        assert _decide_counting(user) == (Action.VERIFY, 1)
        Authenticator.objects.filter(user=user).delete()
        assert _decide_counting(user)[0] is Action.NONE


def test_a_level_saved_in_the_request_is_seen_by_its_next_decision(make_user) -> None:
    user = make_user(role=Role.PRACTITIONER)
    with request_scope():
        assert _decide_counting(user)[0] is Action.NONE
        set_level(user.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
        assert _decide_counting(user)[0] is Action.ENROLL_REQUIRED


def test_an_individual_activation_by_queryset_update_is_seen_too(make_user, make_agent) -> None:
    user = make_user()
    with request_scope():
        assert _decide_counting(user)[0] is Action.NONE
        user_activate_mfa(actor=make_agent(2), user=user)
        assert _decide_counting(user)[0] is Action.ENROLL_REQUIRED


def test_a_factors_use_does_not_forget_the_snapshot(make_user) -> None:
    user = make_user()
    give_factor(user)
    with request_scope():
        assert _decide_counting(user)[0] is Action.VERIFY
        Authenticator.objects.get(user=user).record_usage()
        assert _decide_counting(user) == (Action.VERIFY, 0)
