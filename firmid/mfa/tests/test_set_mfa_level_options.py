"""set_mfa_level --from and --methods: a rollout date and the allowed methods from the command line."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from firmid.accounts.models import Role
from firmid.audit.models import AuditEvent
from firmid.core import clock
from firmid.mfa.levels.selectors import TypeMfaOptions, firm_type_mfa_options
from firmid.policy import UserType
from firmid.tenancy.models import Firm
from firmid.testing.factories import give_factor
from firmid.testing.state import mfa_state

pytestmark = pytest.mark.usefixtures("demo")

L2 = "support.l2@firmid.test"


def run(*args: str) -> str:
    out = StringIO()
    base = ["--firm", "Demo Accounting", "--user-type", "practitioners", "--actor", L2]
    call_command("set_mfa_level", *base, *args, stdout=out)
    return out.getvalue()


def day_in(days: int) -> str:
    return (clock.now() + timedelta(days=days)).date().isoformat()


def options() -> TypeMfaOptions:
    return firm_type_mfa_options(firm=Firm.objects.get(name="Demo Accounting"), user_type=UserType.PRACTITIONERS)


def test_mandatory_from_a_day_is_saved_and_said(frozen_clock) -> None:
    out = run("--level", "mandatory", "--from", day_in(15))
    moment = options().mandatory_from
    assert moment.date().isoformat() == day_in(15)
    assert f"Demo Accounting: Practitioners: Upon request → Mandatory from {moment.day} {moment:%B %Y}" in out
    event = AuditEvent.objects.get(action="mfa_level_changed")
    assert (event.new_value, event.detail) == ("mandatory", f"mandatory from {day_in(15)}")


def test_methods_are_saved_and_audited() -> None:
    out = run("--level", "suggested", "--methods", "webauthn")
    assert options().allowed_methods == frozenset({"webauthn"})
    assert (
        "Practitioners: Allowed methods Authenticator app, Passkeys and security keys → Passkeys and security keys"
        in out
    )
    event = AuditEvent.objects.get(action="mfa_options_changed")
    assert (event.old_value, event.new_value) == ("totp,webauthn", "webauthn")


def test_restricting_methods_someone_relies_on_needs_confirm(make_user) -> None:
    firm = Firm.objects.get(name="Demo Accounting")
    give_factor(make_user(role=Role.PRACTITIONER, firm=firm, email="relies@demo.test"))
    before = mfa_state()
    with pytest.raises(
        CommandError, match="will have to add a passkey at their next sign-in. Run the command again with --confirm"
    ):
        run("--level", "upon_request", "--methods", "webauthn")
    assert mfa_state() == before
    run("--level", "upon_request", "--methods", "webauthn", "--confirm")
    assert options().allowed_methods == frozenset({"webauthn"})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--level", "mandatory", "--from", "2020-01-01"], "is not in the future"),
        (["--level", "mandatory", "--from", "next week"], "is not a day: write it YYYY-MM-DD"),
        (["--level", "suggested", "--from", "2099-01-01"], "Mandatory from goes with the Mandatory level only"),
        (["--level", "suggested", "--methods", "sms"], "Unknown method 'sms'"),
        (["--level", "suggested", "--methods", ""], "Allow at least one method"),
    ],
)
def test_bad_dates_and_methods_are_refused_with_the_services_message(args, message) -> None:
    before = mfa_state()
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert mfa_state() == before
