"""With the keyboard alone: the skip link comes first and shows, focus is always visible.

axe-core (test_a11y_pages.py) cannot see what pressing Tab does; these tests press it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .pages import ADMINISTRATION, AGENT_L2, ENROL, LOGIN, enrol, path_is, path_under, sign_in, sign_in_agent

FOCUS_STYLE = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || "").trim(),
            outline: style.outlineStyle, width: parseFloat(style.outlineWidth), shadow: style.boxShadow};
}"""


def focused(page: Page) -> dict:
    return page.evaluate(FOCUS_STYLE)


def test_the_skip_link_comes_first_shows_when_focused_and_leads_to_the_content(page: Page) -> None:
    page.goto(LOGIN)
    skip = page.locator("a.skip-link")
    box = skip.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 0, "the skip link is shown before it is focused"
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 10, f"the focused skip link is not on screen: {box}"
    assert focused(page)["outline"] != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    assert page.locator("main").count() == 1
    # The next Tab goes into the content, not back to the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


@pytest.mark.parametrize("control", ["link", "button", "input"])
def test_focus_is_visible_on_every_kind_of_control(page: Page, control: str) -> None:
    page.goto(LOGIN)
    targets = {
        "link": "header a.brand",
        "button": "header button.link",
        "input": 'input[name="login"]',
    }
    page.locator("body").click(position={"x": 1, "y": 300})  # a pointer click first: then Tab is keyboard focus
    target = page.locator(targets[control])
    for _ in range(12):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    expect(target).to_be_focused()
    style = focused(page)
    assert style["outline"] != "none" and style["width"] >= 2, f"no visible focus on the {control}: {style}"


def test_the_administration_menu_works_with_the_keyboard(page: Page) -> None:
    sign_in_agent(page, AGENT_L2)
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{ADMINISTRATION}firms/")
    menu = page.locator("#side-nav .side-toggle")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "a", "Tab after Menu goes to the bar's first link"
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    page.keyboard.press("Space")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.locator("#side-links a").nth(1).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_under(f"{ADMINISTRATION}practitioners/"))


def one_main(page: Page) -> None:
    assert page.locator("main").count() == 1, f"{page.url}: {page.locator('main').count()} <main> elements"
    assert page.locator("main#main").count() == 1 and page.locator("a.skip-link[href='#main']").count() == 1


def test_each_layout_has_one_main_the_skip_link_leads_to(page: Page) -> None:
    page.goto(LOGIN)
    one_main(page)  # allauth's layout
    sign_in(page, AGENT_L2)
    expect(page).to_have_url(path_is(ENROL))
    one_main(page)  # base.html
    enrol(page)
    expect(page).to_have_url(path_under(ADMINISTRATION))
    one_main(page)  # the Administration application's layout
    page.goto("/no-such-page/")
    one_main(page)  # the 404 page


def test_a_table_that_scrolls_sideways_is_reached_and_scrolled_with_the_keyboard(page: Page) -> None:
    sign_in_agent(page, AGENT_L2)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{ADMINISTRATION}mfa-coverage/")
    box = page.locator(".table-scroll").first
    assert box.evaluate("el => el.scrollWidth > el.clientWidth"), "the coverage table fits a phone: nothing to scroll"
    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_attribute("role", "region")
    assert box.evaluate("el => el.getAttribute('aria-labelledby') || el.getAttribute('aria-label')")
    box.focus()
    assert focused(page)["outline"] != "none"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=box.element_handle())
    # Wide again: nothing scrolls, the box is no longer a stop for Tab.
    page.set_viewport_size({"width": 1600, "height": 900})
    page.wait_for_function("el => !el.hasAttribute('tabindex')", arg=box.element_handle())
