"""The help-centre article, end to end: support sets a firm's MFA levels, users meet them.

Demo data (firmid.demo.data): agents support.l1/l2/l3@firmid.test; Demo Accounting with
alice (practitioner) and bob (client administrator) of Client One; Northwind Partners,
whose practitioners (erin) sign in through the firm's SSO connection. Every level starts at
Upon request and nobody has MFA.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from firmid.accounts.models import User
from firmid.mfa.levels.services import firm_set_mfa_levels
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.models import Firm

from .pages import (
    CODE,
    ENHANCE,
    ENROL,
    LOGIN,
    MY_ACCOUNT,
    admin_set_level,
    choose_level,
    enrol,
    enter_code,
    expect_my_account,
    expect_not_my_account,
    messages,
    open_firm_security,
    open_user_security,
    path_is,
    save_levels,
    sign_in,
    sign_in_agent,
    user_type_group,
)

AGENT_L1 = "support.l1@firmid.test"
AGENT_L2 = "support.l2@firmid.test"
ALICE = "alice@demo-accounting.test"
BOB = "bob@client-one.test"
ERIN = "erin@northwind.test"
DEMO_FIRM = "Demo Accounting"
NORTHWIND = "Northwind Partners"
PRACTITIONERS = "Practitioners"
CLIENTS = "Administrator clients and standard clients"
EMPLOYEES = "Employees of the accounting firm's clients"
NOT_MY_ACCOUNT = re.compile(rf"^https?://[^/]+({re.escape(LOGIN)}|{re.escape(ENROL)})")  # sign-in or set-up


def test_mandatory_level_forces_practitioners_to_set_mfa_up(new_page, frozen_clock) -> None:
    agent = new_page()
    sign_in_agent(agent, AGENT_L2)
    admin_set_level(agent, DEMO_FIRM, PRACTITIONERS, "Mandatory")

    alice = new_page()
    sign_in(alice, ALICE)
    expect(alice).to_have_url(path_is(ENROL))
    expect(alice.get_by_role("heading", name=ENHANCE)).to_be_visible()
    expect(alice.get_by_role("button", name="Activate later")).to_have_count(0)
    key = alice.locator("#totp-key").inner_text()

    # No way around it: not by typing the application's address…
    alice.goto(MY_ACCOUNT)
    expect_not_my_account(alice)
    expect(alice).to_have_url(NOT_MY_ACCOUNT)
    # …nor by going back…
    alice.go_back()
    expect_not_my_account(alice)
    expect(alice).to_have_url(NOT_MY_ACCOUNT)
    # …nor in a new tab.
    tab = alice.context.new_page()
    tab.goto(MY_ACCOUNT)
    expect_not_my_account(tab)
    expect(tab).to_have_url(NOT_MY_ACCOUNT)
    tab.close()

    alice.goto(ENROL)
    assert alice.locator("#totp-key").inner_text() == key, "the key changed during the same sign-in"
    secret = enrol(alice)
    expect_my_account(alice, "Configured")
    open_user_security(agent, "Practitioners", "alice", "Alice Martin")
    expect(agent.locator("#mfa-status")).to_have_text("Configured")

    frozen_clock.advance(30)  # her next code belongs to the next time step
    again = new_page()
    sign_in(again, ALICE)
    expect(again).to_have_url(path_is(CODE))
    expect_not_my_account(again)
    enter_code(again, secret)
    expect_my_account(again, "Configured")


def test_suggested_level_lets_clients_activate_later(new_page) -> None:
    agent = new_page()
    sign_in_agent(agent, AGENT_L2)
    admin_set_level(agent, DEMO_FIRM, CLIENTS, "Suggested")

    bob = new_page()
    sign_in(bob, BOB)
    expect(bob).to_have_url(path_is(ENROL))
    expect(bob.get_by_role("heading", name=ENHANCE)).to_be_visible()
    bob.get_by_role("button", name="Activate later").click()
    expect_my_account(bob, "Suggested")


def test_deactivation_asks_confirm_and_keeps_configured_mfa(new_page, frozen_clock) -> None:
    firm_set_mfa_levels(
        actor=User.objects.get(email="support.l3@firmid.test"),
        firm=Firm.objects.get(name=DEMO_FIRM),
        levels={UserType.PRACTITIONERS: MfaLevel.MANDATORY},
    )
    alice = new_page()
    sign_in(alice, ALICE)
    secret = enrol(alice)
    expect_my_account(alice, "Configured")

    agent = new_page()
    sign_in_agent(agent, AGENT_L2)
    open_firm_security(agent, DEMO_FIRM)
    choose_level(agent, PRACTITIONERS, "Upon request")
    save_levels(agent, confirm=False)
    expect(agent.get_by_role("heading", level=1)).to_have_text("Confirm")
    expect(messages(agent).filter(has_text=re.compile(r"^\s*Saved:"))).to_have_count(0)
    agent.get_by_role("button", name="Confirm", exact=True).click()
    expect(messages(agent).filter(has_text=re.compile(r"^\s*Saved:"))).to_have_count(1)

    frozen_clock.advance(30)
    again = new_page()
    sign_in(again, ALICE)
    expect(again).to_have_url(path_is(CODE))
    enter_code(again, secret)
    expect_my_account(again, "Configured")


def test_sso_managed_user_type_has_no_mfa_choice(new_page) -> None:
    agent = new_page()
    sign_in_agent(agent, AGENT_L2)
    open_firm_security(agent, NORTHWIND)

    expect(agent.locator("legend", has_text=re.compile(rf"^\s*{PRACTITIONERS}\s*$"))).to_have_count(0)
    expect(agent.locator("input[name=level_practitioners]")).to_have_count(0)
    expect(agent.locator("p.sso-managed")).to_be_visible()
    expect(agent.locator("p.sso-managed")).to_contain_text("SSO")
    for legend in (CLIENTS, EMPLOYEES):
        group = user_type_group(agent, legend)
        expect(group).to_be_visible()
        for level in ("Upon request", "Suggested", "Mandatory"):
            expect(group.get_by_role("radio", name=level, exact=True)).to_have_count(1)
    expect(agent.get_by_role("button", name="Save", exact=True)).to_be_visible()


def test_level_one_agent_sees_levels_but_cannot_change_them(new_page) -> None:
    agent = new_page()
    sign_in_agent(agent, AGENT_L1)
    open_firm_security(agent, DEMO_FIRM)

    expect(agent.get_by_role("link", name="Authentication and security")).to_be_visible()
    expect(agent.locator("input[type=radio]")).to_have_count(0)
    expect(agent.get_by_role("button", name="Save")).to_have_count(0)
    expect(agent.locator("main")).to_contain_text(PRACTITIONERS)
    expect(agent.locator("main")).to_contain_text("Upon request")
