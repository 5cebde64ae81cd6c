"""The console and the portal in a real browser: log in, switch compound, import an Excel ledger, see the rows, be refused elsewhere."""

from __future__ import annotations

import re

import pytest
from openpyxl import Workbook

from core.validators import id_card_check_char
from tenants.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

HEADERS = ("楼栋", "单元", "房号", "楼层", "专有面积(㎡)", "开发商持有", "姓名", "身份", "手机号", "身份证号", "入住日期")


def id_card(birth: str, serial: str) -> str:
    body = f"410502{birth}{serial}"
    return body + id_card_check_char(body)


def ledger(path, rows) -> str:
    """A small 房屋住户台账 in the layout tenants.imports reads."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "房屋住户台账"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return str(path)


GOOD_ROWS = [
    ("9号楼", "1单元", "101", 1, "88.50", "否", "测试业主甲", "业主", "13912340001", id_card("19800101", "123"), "2021-03-01"),
    ("9号楼", "1单元", "101", 1, "88.50", "否", "测试家属乙", "家庭成员", "13912340002", None, "2021-03-01"),
    ("9号楼", "1单元", "102", 1, "120.25", "否", "测试业主丙", "业主", "13912340003", id_card("19750615", "456"), None),
    ("9号楼", "1单元", "201", 2, "120.25", "是", None, None, None, None, None),
]
BAD_ROWS = [
    ("9号楼", "2单元", "101", "一楼", "-5", "否", "错误行", "房东", "123", None, None),
]


def watch_for_script_errors(page) -> list[str]:
    """Script errors and Content-Security-Policy refusals the page reports (there should be none)."""
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(f"script error: {error}"))
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    return seen


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/console/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console/")


def test_staff_switch_compound_import_and_cross_tenant_refusal(browser, live_server, city, tmp_path, screenshot):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_script_errors(page)
    page.goto(f"{live_server}/console/login")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    screenshot(page, "01-console-login")

    log_in(page, live_server, "ent-a-admin")
    assert page.locator(".userbox").inner_text().count("红城物业管理员") == 1
    screenshot(page, "02-console-home")

    # the compound switcher submits on change and keeps the user on the same kind of page
    a2 = str(city.compounds["A2"])
    with page.expect_navigation():
        page.select_option("#switch-compound", a2)
    assert page.locator("#switch-compound").input_value() == a2
    assert "红城·书香苑" in page.locator(".sidebar").inner_text()
    page.click("nav.sidebar >> text=Excel 导入")
    page.wait_for_url(f"{live_server}/console/compounds/{a2}/import")
    screenshot(page, "03-import-page")

    # a ledger with a bad row: nothing is imported, every problem is listed by row and column
    page.set_input_files("#file", ledger(tmp_path / "bad.xlsx", BAD_ROWS))
    page.click("#import-submit")
    page.wait_for_selector("#import-errors")
    errors = page.locator("#import-errors").inner_text()
    assert all(header in errors for header in ("楼层", "专有面积(㎡)", "身份", "手机号"))
    assert "未导入任何数据" in page.locator("#import-result").inner_text()
    screenshot(page, "04-import-refused")

    # the right ledger: created, then visible in housing and residents
    page.set_input_files("#file", ledger(tmp_path / "good.xlsx", GOOD_ROWS))
    page.click("#import-submit")
    page.wait_for_selector("#import-done")
    done = page.locator("#import-done").inner_text()
    assert re.search(r"房屋\s+3", done) and re.search(r"居民\s+3", done)
    screenshot(page, "05-import-done")

    page.click("#import-done >> text=查看房屋")
    page.wait_for_url(re.compile(r".*/housing$"))
    page.click(".tree li:has-text('9号楼') a")  # htmx swaps the unit's rooms into the panel
    page.wait_for_selector("#rooms >> text=测试业主甲")
    rooms = page.locator("#rooms").inner_text()
    assert "101" in rooms and "102" in rooms and "201" in rooms and "测试业主甲" in rooms and "开发商持有" in rooms
    screenshot(page, "06-housing-new-building")

    page.goto(f"{live_server}/console/compounds/{a2}/residents?q=测试")
    table = page.locator("#residents-table").inner_text()
    assert "测试业主甲" in table and "测试家属乙" in table and "测试业主丙" in table
    assert "13912340001" in table  # enterprise A's administrator holds tenants.resident_pii
    screenshot(page, "07-residents")

    # another tenant's compound, typed into the address bar: refused as if it did not exist
    response = page.goto(f"{live_server}/console/compounds/{city.compounds['B1']}/housing")
    assert response is not None and response.status == 404
    assert "未找到" in page.locator("h1").inner_text()
    assert "安居" not in page.content()
    screenshot(page, "08-cross-tenant-404")
    assert problems == []
    context.close()


def test_resident_portal_on_a_phone(browser, live_server, city, screenshot):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    problems = watch_for_script_errors(page)
    page.goto(f"{live_server}/portal/login")
    screenshot(page, "09-portal-login-mobile")
    page.fill("#username", "13800000001")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/portal/")
    body = page.locator("main").inner_text()
    assert "张建国" in body and "红城·幸福家园" in body and "安阳红城物业服务有限公司" in body
    # nothing is wider than the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "10-portal-home-mobile", full_page=False)  # a fixed tab bar belongs at the bottom of the screen

    page.click(".portal-top >> text=English")
    page.wait_for_url(re.compile(r".*lang=en$"))
    assert page.locator("h1").inner_text() == "Hello, 张建国"
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "11-portal-home-english", full_page=False)
    assert problems == []
    context.close()
