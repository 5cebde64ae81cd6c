"""智慧物业 in a real browser: the district's board (数据大屏) draws its charts with nothing fetched from outside
127.0.0.1; the control room resolves the elevator alarm from the compound board; a resident issues a visitor pass on a
phone and sees its QR code."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tenants.demo import DEMO_PASSWORD
from tests.e2e.test_console import log_in, watch_for_script_errors

pytestmark = pytest.mark.e2e


def watch_requests(page) -> list[str]:
    """Every URL the page asks for (documents, scripts, styles, images, htmx calls)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def outside(urls: list[str]) -> list[str]:
    return [u for u in urls if not u.startswith(("data:", "about:")) and urlparse(u).hostname != "127.0.0.1"]


def test_the_district_board_draws_its_charts_from_the_server_alone(browser, live_server, city, screenshot):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_script_errors(page)
    requests = watch_requests(page)
    log_in(page, live_server, "district-1-admin")
    page.goto(f"{live_server}/console/smart_property/dashboard")
    assert "辖区数据大屏" in page.locator("h1").inner_text()
    charts = page.locator("#board-charts svg.chart")
    assert charts.count() >= 5
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 30  # drawn, not empty
    assert page.locator("#board-charts svg.donut circle.arc").count() >= 1  # devices online have a share of the ring
    assert page.locator("[data-chart=compounds] rect.bar").count() >= 1
    assert int(page.locator("#fig-critical").inner_text()) >= 1  # A1's elevator fault
    assert page.locator("[data-code='party_building.coverage']").count() == 1  # another module's district figure
    # the board refreshes itself: htmx polls the figures from the same server
    with page.expect_response(re.compile(r".*/console/smart_property/dashboard/figures$"), timeout=40_000) as polled:
        pass
    assert polled.value.status == 200
    screenshot(page, "sp-01-district-board")
    assert outside(requests) == [], outside(requests)
    assert problems == []
    context.close()


def test_the_control_room_resolves_the_elevator_alarm_from_the_board(browser, live_server, city, screenshot):
    a1 = city.compounds["A1"]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_script_errors(page)
    requests = watch_requests(page)
    log_in(page, live_server, "ent-a-staff")
    page.goto(f"{live_server}/console/compounds/{a1}/smart_property/dashboard")
    assert "电梯故障" in page.locator("#board-recent").inner_text()
    screenshot(page, "sp-02-compound-board")
    page.click("#board-recent >> text=告警处置")
    page.wait_for_url(f"{live_server}/console/compounds/{a1}/smart_property/alarms")
    row = page.locator("#alarms-table tbody tr", has_text="EL-1-1")
    row.locator("button", has_text="确认").click()
    page.wait_for_selector("#alarms-table >> text=已确认")
    row = page.locator("#alarms-table tbody tr", has_text="EL-1-1")
    row.locator("input[name=note]").fill("维保单位已到场修复")
    row.locator("button", has_text="处置完成").click()
    page.wait_for_selector("#alarms-table >> text=暂无告警。")
    assert page.locator("#tally-critical").inner_text() == "0"
    screenshot(page, "sp-03-alarm-resolved")
    assert outside(requests) == []
    assert problems == []
    context.close()


def test_a_resident_issues_a_visitor_pass_on_a_phone_and_shows_its_qr_code(browser, live_server, city, screenshot):
    a1 = city.compounds["A1"]
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = phone.new_page()
    problems = watch_for_script_errors(page)
    requests = watch_requests(page)
    page.goto(f"{live_server}/portal/login")
    page.fill("#username", "resident-a1")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/portal/")
    page.click(".tabbar summary >> text=更多")  # the bar holds five destinations; the passes are under 更多
    page.click(".tabbar .more-menu >> text=访客通行码")
    page.wait_for_url(f"{live_server}/portal/compounds/{a1}/smart_property/passes")
    page.fill("#v-name", "王阿姨")
    page.fill("#v-purpose", "探亲")
    page.select_option("#v-hours", "4")
    page.fill("#v-entries", "2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#issue-pass")
    page.wait_for_url(re.compile(r".*/smart_property/passes/[0-9a-f-]{36}$"))
    qr = page.locator("#pass-qr svg")
    assert qr.count() == 1
    box = qr.bounding_box()
    assert box is not None and 150 <= box["width"] <= 390
    assert "有效" in page.locator("#pass-state").inner_text() and "王阿姨" in page.locator("#pass-visitor").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "sp-04-visitor-pass-phone", full_page=False)
    page.click("#revoke-pass")
    page.wait_for_selector("#pass-state >> text=已撤销")
    assert page.locator("#pass-qr").count() == 0
    assert outside(requests) == []
    assert problems == []
    phone.close()
