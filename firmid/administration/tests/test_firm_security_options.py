"""The Authentication and security tab: beside each level, its rollout date and the factor options; Preview impact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.utils import formats, timezone

from firmid.accounts.models import Role
from firmid.audit.models import AuditEvent
from firmid.core import clock
from firmid.mfa.levels.inputs import start_of_day
from firmid.mfa.levels.selectors import TypeMfaOptions, firm_type_mfa_options
from firmid.mfa.models import FirmMfaLevel
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm
from firmid.testing.administration import messages_of
from firmid.testing.factories import give_factor, set_level
from firmid.testing.state import mfa_state

P = UserType.PRACTITIONERS


def security_url(firm: Firm) -> str:
    return f"/administration/firms/{firm.pk}/security/"


def shown_day(moment) -> str:
    """A day as the page writes it in English (DATE_FORMAT)."""
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def day_in(days: int) -> str:
    return (clock.now() + timedelta(days=days)).date().isoformat()


def full_form(**values: object) -> dict[str, object]:
    """The practitioners' part of the form as the page posts it, defaults unchanged."""
    posted = {
        "level_practitioners": "suggested",
        "mandatory_from_practitioners": "",
        "options_practitioners": "1",
        "methods_practitioners": ["totp", "webauthn"],
        "trust_days_practitioners": "0",
    }
    return {**posted, **values}


def roll_out(firm: Firm, days: int) -> None:
    """Practitioners Mandatory from midnight `days` days ahead, straight in the table."""
    moment = start_of_day((clock.now() + timedelta(days=days)).date())
    FirmMfaLevel.objects.update_or_create(
        firm=firm, user_type=P.value, defaults={"level": "mandatory", "mandatory_from": moment}
    )


def options(firm: Firm) -> TypeMfaOptions:
    return firm_type_mfa_options(firm=firm, user_type=P)


# --- what the page shows --------------------------------------------------------------------


def test_level_2_agent_sees_the_date_and_the_options_beside_each_level(
    client: Client, signed_in_agent, demo_firm
) -> None:
    signed_in_agent(2)
    page = client.get(security_url(demo_firm)).content.decode()
    assert (
        '<input type="date" name="mandatory_from_practitioners" value="" aria-describedby="mandatory-from-help-level_practitioners">'
        in page
    )
    assert '<input type="hidden" name="options_practitioners" value="1">' in page
    assert (
        '<label><input type="checkbox" name="methods_practitioners" value="totp" checked> Authenticator app</label>'
        in page
    )
    assert (
        '<label><input type="checkbox" name="methods_clients" value="webauthn" checked> Passkeys and security keys</label>'
        in page
    )
    assert (
        '<input type="checkbox" name="passwordless_practitioners" value="1"> Allow passkey sign-in without a password'
        in page
    )
    assert (
        'Trust this browser for <input type="number" name="trust_days_practitioners" value="0" min="0" max="365"'
        in page
    )
    assert "0 = never offered" in page
    assert (
        '<input type="checkbox" name="email_code_client_employees" value="1"> Require a code sent by email before a '
        "first set-up" in page
    )
    assert '<button type="submit" name="preview" value="1" class="secondary">Preview impact</button>' in page
    assert '<script src="/static/firmid/mfa_levels.js"></script>' in page


@pytest.mark.parametrize("level", [1, 2, 3])
def test_a_pending_rollout_is_shown_with_its_day(
    client: Client, signed_in_agent, demo_firm, frozen_clock, level
) -> None:
    roll_out(demo_firm, 20)
    moment = options(demo_firm).mandatory_from
    signed_in_agent(level)
    page = client.get(security_url(demo_firm)).content.decode()
    said = f"Mandatory from {shown_day(moment)} — until then set-up is offered with Activate later"
    assert said in page
    if level > 1:
        assert f'name="mandatory_from_practitioners" value="{moment.date().isoformat()}"' in page


def test_a_rollout_whose_day_passed_shows_plain_mandatory(
    client: Client, signed_in_agent, demo_firm, frozen_clock
) -> None:
    roll_out(demo_firm, 2)
    frozen_clock.advance(3 * 86400)
    signed_in_agent(2)
    page = client.get(security_url(demo_firm)).content.decode()
    assert "until then set-up is offered" not in page
    assert (
        '<input type="date" name="mandatory_from_practitioners" value="" aria-describedby="mandatory-from-help-level_practitioners">'
        in page
    )


def test_level_1_agent_reads_the_options_without_any_input(client: Client, signed_in_agent, demo_firm) -> None:
    FirmMfaLevel.objects.create(
        firm=demo_firm, user_type=P.value, level="suggested", allowed_methods="webauthn", trust_browser_days=14
    )
    signed_in_agent(1)
    page = client.get(security_url(demo_firm)).content.decode()
    assert "Practitioners: Suggested" in page
    assert "Allowed methods: Passkeys and security keys." in page
    assert "Trust this browser: 14 days." in page
    assert "Allowed methods: Authenticator app, Passkeys and security keys." in page  # the other types
    assert "Trust this browser: never offered." in page
    assert all(f'type="{kind}"' not in page for kind in ("checkbox", "date", "number", "radio"))


# --- saving -------------------------------------------------------------------------------------


def test_saving_the_level_with_a_date_and_options_in_one_post(
    client: Client, signed_in_agent, demo_firm, frozen_clock
) -> None:
    agent = signed_in_agent(2)
    posted = full_form(
        level_practitioners="mandatory",
        mandatory_from_practitioners=day_in(30),
        methods_practitioners=["webauthn"],
        passwordless_practitioners="1",
        trust_days_practitioners="0",
    )
    response = client.post(security_url(demo_firm), posted)
    assert response.status_code == 302
    saved = options(demo_firm)
    assert (saved.level, saved.mandatory_from.date().isoformat()) == (MfaLevel.MANDATORY, day_in(30))
    assert (saved.allowed_methods, saved.passwordless_passkeys) == (frozenset({"webauthn"}), True)
    moment = saved.mandatory_from
    assert messages_of(response) == [
        f"Saved: Practitioners: Upon request → Mandatory from {shown_day(moment)}; "
        "Practitioners: Allowed methods Authenticator app, Passkeys and security keys → Passkeys and security keys; "
        "Practitioners: Passkey sign-in without a password off → on."
    ]
    events = AuditEvent.objects.filter(firm=demo_firm, actor=agent).order_by("id")
    assert list(events.values_list("action", "old_value", "new_value", "detail")) == [
        ("mfa_level_changed", "upon_request", "mandatory", f"mandatory from {day_in(30)}"),
        ("mfa_options_changed", "totp,webauthn", "webauthn", "allowed_methods"),
        ("mfa_options_changed", "false", "true", "passwordless_passkeys"),
    ]


def test_a_date_left_in_the_form_with_another_level_is_ignored(client: Client, signed_in_agent, demo_firm) -> None:
    signed_in_agent(2)
    response = client.post(security_url(demo_firm), full_form(mandatory_from_practitioners=day_in(30)))
    assert response.status_code == 302
    assert (options(demo_firm).level, options(demo_firm).mandatory_from) == (MfaLevel.SUGGESTED, None)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"level_practitioners": "mandatory", "mandatory_from_practitioners": "2020-01-01"}, "is not in the future"),
        ({"level_practitioners": "mandatory", "mandatory_from_practitioners": "01/02/2030"}, "is not a day"),
        ({"methods_practitioners": []}, "Allow at least one method"),
        ({"methods_practitioners": ["totp", "sms"]}, "Unknown method &#x27;sms&#x27;"),
        ({"trust_days_practitioners": "400"}, "give a whole number from 0 (never offered) to 365"),
        ({"trust_days_practitioners": "-3"}, "give a whole number"),
        (
            {"methods_practitioners": ["totp"], "passwordless_practitioners": "1"},
            "Passkey sign-in without a password needs Passkeys and security keys",
        ),
    ],
)
def test_bad_options_are_refused_with_a_clear_message_and_change_nothing(
    client: Client, signed_in_agent, demo_firm, values, message
) -> None:
    signed_in_agent(2)
    before = mfa_state()
    response = client.post(security_url(demo_firm), full_form(**values))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert mfa_state() == before


def test_a_post_without_the_options_marker_keeps_the_options(client: Client, signed_in_agent, demo_firm) -> None:
    FirmMfaLevel.objects.create(firm=demo_firm, user_type=P.value, level="suggested", trust_browser_days=9)
    signed_in_agent(2)
    client.post(security_url(demo_firm), {"level_practitioners": "mandatory"})
    assert (options(demo_firm).level, options(demo_firm).trust_browser_days) == (MfaLevel.MANDATORY, 9)


# --- Preview impact --------------------------------------------------------------------------


def test_preview_shows_the_impact_and_the_form_as_posted_and_saves_nothing(
    client: Client, signed_in_agent, make_user, demo_firm
) -> None:
    for n in range(3):
        make_user(role=Role.PRACTITIONER, firm=demo_firm, email=f"preview{n}@demo.test")
    signed_in_agent(2)
    before = mfa_state()
    response = client.post(
        security_url(demo_firm), full_form(level_practitioners="mandatory", trust_days_practitioners="5", preview="1")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert mfa_state() == before
    assert "Preview: nothing is saved until you press Save." in page
    assert '<h2 id="impact-title">Impact of this change</h2>' in page
    assert (
        '<input type="radio" name="level_practitioners" value="mandatory" aria-describedby="meaning-level_practitioners-mandatory" checked> Mandatory'
        in page
    )
    assert 'name="trust_days_practitioners" value="5"' in page
    assert "would have to set it up at their next sign-in" in page


def test_preview_of_bad_input_is_refused_like_save(client: Client, signed_in_agent, demo_firm) -> None:
    signed_in_agent(2)
    response = client.post(security_url(demo_firm), full_form(trust_days_practitioners="x", preview="1"))
    assert response.status_code == 400


def test_level_1_agent_may_not_preview(client: Client, signed_in_agent, demo_firm) -> None:
    signed_in_agent(1)
    response = client.post(security_url(demo_firm), full_form(preview="1"))
    assert response.status_code == 403


# --- confirming a restriction of methods ----------------------------------------------------


def test_restricting_methods_that_some_rely_on_asks_to_confirm_with_the_count_and_the_impact(
    client: Client, signed_in_agent, make_user, demo_firm
) -> None:
    set_level(demo_firm, P, MfaLevel.SUGGESTED)
    for n in range(2):
        give_factor(make_user(role=Role.PRACTITIONER, firm=demo_firm, email=f"app{n}@demo.test"))
    signed_in_agent(2)
    before = mfa_state()
    posted = full_form(methods_practitioners=["webauthn"])
    response = client.post(security_url(demo_firm), posted)
    page = response.content.decode()
    assert response.status_code == 200 and "<h1>Confirm</h1>" in page
    assert "<li>2 practitioners will have to add a passkey at their next sign-in.</li>" in page
    assert "Moving a user type to Upon request" not in page
    assert '<input type="hidden" name="methods_practitioners" value="webauthn">' in page
    assert '<input type="hidden" name="options_practitioners" value="1">' in page
    assert '<h2 id="impact-title">Impact of this change</h2>' in page
    assert mfa_state() == before
    confirmed = client.post(security_url(demo_firm), {**posted, "confirmed": "1"})
    assert confirmed.status_code == 302
    assert options(demo_firm).allowed_methods == frozenset({"webauthn"})
    assert Authenticator.objects.filter(user__firm=demo_firm, type="totp").count() >= 2  # factors stay
