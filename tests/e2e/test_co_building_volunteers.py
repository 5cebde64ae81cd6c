"""A resident on a phone joins a volunteer activity in the portal, sees their place, cancels; an organiser sees the QR code."""

from __future__ import annotations

import re

import pytest

from tenants.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def _problems(page) -> list[str]:
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(f"script error: {error}"))
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    return seen


def test_a_resident_signs_up_for_an_activity_and_cancels(browser, live_server, city, screenshot):
    a1 = city.compounds["A1"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    problems = _problems(page)
    page.goto(f"{live_server}/portal/login")
    page.fill("#username", "13800000001")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/portal/?$"))

    page.click(".tabbar summary >> text=更多")  # the bar holds five destinations; the activities are under 更多
    page.click(".tabbar .more-menu >> text=志愿活动")
    page.wait_for_url(f"{live_server}/portal/compounds/{a1}/co_building/activities")
    card = page.locator("section.card", has_text="敬老院义务理发")
    assert "3 / 3" in card.inner_text()  # full: the resident can only join the waiting list
    with page.expect_navigation():
        card.locator("button[type=submit]", has_text="加入候补").click()
    card = page.locator("section.card", has_text="敬老院义务理发")
    assert "您在候补名单第 2 位。" in card.inner_text()
    screenshot(page, "co_building-01-waiting-list")

    with page.expect_navigation():
        card.locator("button[type=submit]", has_text="取消报名").click()
    card = page.locator("section.card", has_text="敬老院义务理发")
    assert "加入候补" in card.inner_text()

    page.goto(f"{live_server}/portal/compounds/{a1}/co_building/points")
    assert page.locator("#my-balance").inner_text() == "0"
    screenshot(page, "co_building-02-my-points")
    assert problems == []
    context.close()


def test_an_organiser_shows_the_check_in_code(browser, live_server, city, screenshot):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems = _problems(page)
    page.goto(f"{live_server}/console/login")
    page.fill("#username", "ent-a-manager")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/?$"))
    page.goto(f"{live_server}/console/compounds/{city.compounds['A1']}/co_building/activities")
    page.click("#activities-table >> text=敬老院义务理发")
    page.wait_for_selector("#checkin-qr svg")
    assert page.locator("#signups-table").inner_text().count("候补中") == 1
    screenshot(page, "co_building-03-activity-qr")
    assert problems == []
    context.close()
