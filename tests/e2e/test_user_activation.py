"""In the browser: a support agent sees why a user is Forced, undoes an individual activation, reads what Reset does."""

from __future__ import annotations

from playwright.sync_api import expect

from firmid.accounts.models import User
from firmid.mfa.models import FirmMfaLevel
from firmid.tenancy.models import Firm

from .pages import open_user_security, sign_in_agent

AGENT_L2 = "support.l2@firmid.test"
BY_LEVEL = "Forced by the firm's level for Practitioners (Mandatory)"
BY_ACTIVATION = "Forced because MFA was activated for this user by support"


def test_agent_sees_why_alice_is_forced_and_undoes_her_individual_activation(new_page) -> None:
    firm = Firm.objects.get(name="Demo Accounting")
    FirmMfaLevel.objects.update_or_create(firm=firm, user_type="practitioners", defaults={"level": "mandatory"})
    User.objects.filter(email="alice@demo-accounting.test").update(mfa_individually_activated=True)
    agent = new_page()
    sign_in_agent(agent, AGENT_L2)
    open_user_security(agent, "Practitioners", "alice", "Alice Martin")
    expect(agent.locator("#mfa-status")).to_have_text("Forced")
    reasons = agent.locator("#forced-by li")
    expect(reasons).to_have_text([BY_LEVEL, BY_ACTIVATION])

    agent.get_by_role("link", name="Reset MFA", exact=True).click()
    expect(agent.locator("#what-happens-next")).to_contain_text(
        "they must set MFA up before they can sign in to any application (the firm's level for "
        "Practitioners is Mandatory, and MFA stays activated for this user by support)"
    )
    agent.get_by_role("link", name="Cancel", exact=True).click()

    agent.get_by_role("link", name="Deactivate MFA for this user", exact=True).click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Confirm")
    agent.get_by_role("button", name="Deactivate MFA", exact=True).click()
    expect(agent.locator(".messages")).to_contain_text("MFA deactivated for alice@demo-accounting.test")
    expect(agent.locator("#mfa-status")).to_have_text("Forced")
    expect(reasons).to_have_text([BY_LEVEL])
    expect(agent.get_by_role("link", name="Deactivate MFA for this user")).to_have_count(0)
