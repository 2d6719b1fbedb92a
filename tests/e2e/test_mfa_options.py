"""The Authentication and security tab in a browser: the rollout date beside Mandatory, Preview impact, Save.

Demo data: Demo Accounting at Upon request for every type, nobody with MFA.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import formats
from playwright.sync_api import expect

from firmid.core import clock
from firmid.mfa.models import FirmMfaLevel
from firmid.tenancy.models import Firm

from .pages import choose_level, messages, open_firm_security, save_levels, sign_in_agent, user_type_group

AGENT_L2 = "support.l2@firmid.test"
DEMO_FIRM = "Demo Accounting"
PRACTITIONERS = "Practitioners"


def test_the_date_shows_with_mandatory_and_preview_saves_nothing_until_save(new_page) -> None:
    day = (clock.now() + timedelta(days=30)).date()
    agent = new_page()
    sign_in_agent(agent, AGENT_L2)
    open_firm_security(agent, DEMO_FIRM)
    group = user_type_group(agent, PRACTITIONERS)
    date = group.get_by_label("Mandatory from", exact=True)
    expect(date).to_be_hidden()  # Upon request: the script hides the date
    choose_level(agent, PRACTITIONERS, "Mandatory")
    expect(date).to_be_visible()
    date.fill(day.isoformat())
    group.get_by_label("Trust this browser for").fill("0")

    agent.get_by_role("button", name="Preview impact", exact=True).click()
    expect(agent.get_by_role("heading", name="Impact of this change")).to_be_visible()
    expect(agent.get_by_text("Preview: nothing is saved until you press Save.")).to_be_visible()
    expect(user_type_group(agent, PRACTITIONERS).get_by_label("Mandatory from", exact=True)).to_have_value(
        day.isoformat()
    )
    assert not FirmMfaLevel.objects.filter(firm=Firm.objects.get(name=DEMO_FIRM), user_type="practitioners").exists()

    save_levels(agent)
    saved = f"Mandatory from {formats.date_format(day, 'DATE_FORMAT')}"  # the English DATE_FORMAT
    expect(
        messages(agent).filter(has_text=re.compile(rf"^\s*Saved: Practitioners: Upon request → {saved}"))
    ).to_have_count(1)
    expect(agent.locator("p.pending-rollout")).to_have_text(
        f"{saved} — until then set-up is offered with Activate later"
    )
