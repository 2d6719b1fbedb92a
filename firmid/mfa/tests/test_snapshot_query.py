"""The kept SQL of a user's MFA snapshot reads what the ORM query reads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from firmid.accounts.models import Role, User
from firmid.core import clock
from firmid.mfa.models import FirmMfaLevel
from firmid.mfa.selectors import policy_input_of, user_with_snapshot, with_mfa_snapshot
from firmid.policy import MfaLevel, UserType
from firmid.sso.models import SsoConnection
from firmid.testing.factories import activate, give_factor, set_level


def test_the_kept_sql_gives_the_orm_snapshot_for_every_kind_of_user(make_user, make_agent) -> None:
    plain = make_user(role=Role.PRACTITIONER)
    set_level(plain.firm, UserType.PRACTITIONERS, MfaLevel.SUGGESTED)
    configured = make_user(role=Role.STANDARD_CLIENT)
    give_factor(configured)
    activated = make_user(role=Role.CLIENT_EMPLOYEE)
    activate(activated)
    federated = make_user(role=Role.CLIENT_ADMINISTRATOR)
    SsoConnection.objects.create(
        firm=federated.firm,
        user_type=UserType.CLIENTS.value,
        issuer="https://idp.example.test",
        client_id="firmid",
        enabled=True,
    )
    agent = make_agent(3)
    for user in (plain, configured, activated, federated, agent):
        kept = user_with_snapshot(user_id=user.pk)
        orm = with_mfa_snapshot(User.objects.filter(pk=user.pk)).get()
        assert kept == user and kept.email == user.email
        assert policy_input_of(kept) == policy_input_of(orm)


@pytest.mark.parametrize("user_id", [10**9, "not-a-number", "1; DROP TABLE accounts_user"])
def test_an_unknown_or_malformed_id_is_nobody(db, user_id: object) -> None:
    assert user_with_snapshot(user_id=user_id) is None


def test_the_snapshot_reads_allowed_methods_and_the_rollout_date(make_user, frozen_clock) -> None:
    user = make_user(role=Role.PRACTITIONER)
    give_factor(user)  # an authenticator app
    set_level(user.firm, UserType.PRACTITIONERS, MfaLevel.MANDATORY)
    row = FirmMfaLevel.objects.get(firm=user.firm, user_type=UserType.PRACTITIONERS.value)
    row.allowed_methods = "webauthn"
    row.mandatory_from = clock.now().replace(microsecond=0) + timedelta(days=7)
    row.save()
    for read in (user_with_snapshot(user_id=user.pk), with_mfa_snapshot(User.objects.filter(pk=user.pk)).get()):
        snapshot = policy_input_of(read)
        assert (snapshot.has_factor, snapshot.has_disallowed_factor, snapshot.rollout_pending) == (False, True, True)
    frozen_clock.advance(7 * 86400)
    assert policy_input_of(user_with_snapshot(user_id=user.pk)).rollout_pending is False
