"""A repair in a real browser: the resident files it with a photo in the portal, the manager dispatches it, the repairman works it, the resident rates it."""

from __future__ import annotations

import re

import pytest

from tenants.demo import DEMO_PASSWORD
from tests.e2e.test_console import log_in, watch_for_script_errors

pytestmark = pytest.mark.e2e

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a6f4d90000000049454e44ae426082"
)
"""A valid 1×1 PNG, the photo of the leak."""
TITLE = "卫生间水龙头漏水"


def state_of(page) -> str:
    return page.locator("#request-state [data-state]").get_attribute("data-state")


def wait_for_state(page, state: str) -> None:
    page.wait_for_selector(f'#request-state [data-state="{state}"]')


def staff_move(page, action: str, state: str, note: str | None = None) -> None:
    """Press one of the detail page's move buttons; htmx posts it and the page reloads with the new state."""
    if note is not None:
        page.fill(f"#note-{action}", note)
    page.click(f"#action-{action}")
    wait_for_state(page, state)


def test_a_resident_files_a_repair_with_a_photo_staff_work_it_and_the_resident_rates_it(browser, live_server, city, screenshot):
    a1 = city.compounds["A1"]
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    resident = phone.new_page()
    problems = watch_for_script_errors(resident)

    # the resident logs into the portal and files the repair with a photo
    resident.goto(f"{live_server}/portal/login")
    resident.fill("#username", "resident-a1")
    resident.fill("#password", DEMO_PASSWORD)
    resident.click("button[type=submit]")
    resident.wait_for_url(f"{live_server}/portal/")
    resident.click(".tabbar >> text=报事报修")
    resident.wait_for_url(f"{live_server}/portal/compounds/{a1}/co_building/requests")
    resident.click("#new-request")
    resident.wait_for_url(re.compile(r".*/requests/new$"))
    resident.select_option("#kind", "repair")
    resident.select_option("#category", "plumbing")
    resident.fill("#title", TITLE)
    resident.fill("#description", "洗手台下方水管接口一直滴水")
    resident.set_input_files("#photo", files=[{"name": "漏水.png", "mimeType": "image/png", "buffer": PNG}])
    screenshot(resident, "co_building-01-portal-file-repair")
    resident.click("#file-request")
    resident.wait_for_url(re.compile(rf".*/portal/compounds/{a1}/co_building/requests/[0-9a-f-]{{36}}$"))
    request_url = resident.url
    request_id = request_url.rsplit("/", 1)[1]
    assert state_of(resident) == "submitted" and TITLE in resident.locator("h1").inner_text()
    assert resident.locator(".alert.ok").inner_text() == "已创建。"
    photo = resident.locator("#photos img")
    assert photo.count() == 1 and photo.evaluate("img => img.complete && img.naturalWidth") == 1  # the photo was stored and is served back
    assert resident.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(resident, "co_building-02-portal-filed")

    # the manager dispatches it to the repairman
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    manager = desk.new_page()
    problems += watch_for_script_errors(manager)
    log_in(manager, live_server, "ent-a-manager")
    manager.goto(f"{live_server}/console/compounds/{a1}/co_building/requests?state=open")
    row = manager.locator("#requests-table tr", has_text=TITLE)
    assert "已提交" in row.inner_text()
    row.locator("a").click()
    manager.wait_for_url(f"{live_server}/console/compounds/{a1}/co_building/requests/{request_id}")
    assert manager.locator("#photos img").count() == 1
    screenshot(manager, "co_building-03-console-before-dispatch")
    manager.select_option("#assignee-assign", label="红城物业维修工")
    staff_move(manager, "assign", "assigned", note="请今天上门")
    assert "红城物业维修工" in manager.locator(".kv").inner_text()
    screenshot(manager, "co_building-04-console-assigned")
    desk.close()

    # the repairman accepts, starts and completes it
    workshop = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    repairman = workshop.new_page()
    problems += watch_for_script_errors(repairman)
    log_in(repairman, live_server, "ent-a-staff")
    repairman.goto(f"{live_server}/console/compounds/{a1}/co_building/requests?mine=true")
    repairman.locator("#requests-table tr", has_text=TITLE).locator("a").click()
    repairman.wait_for_url(re.compile(rf".*/requests/{request_id}$"))
    staff_move(repairman, "accept", "accepted")
    staff_move(repairman, "start", "in_progress")
    staff_move(repairman, "complete", "completed", note="更换了水龙头阀芯")
    timeline = repairman.locator("#timeline").inner_text()
    assert all(word in timeline for word in ("派单", "接单", "开始处理", "完工", "更换了水龙头阀芯"))
    screenshot(repairman, "co_building-05-console-completed")
    workshop.close()

    # the resident sees it done and rates it
    resident.goto(request_url)
    assert state_of(resident) == "completed"
    resident.check("#rating-5")
    resident.check("#tag-prompt")
    resident.check("#tag-solved")
    resident.fill("#comment", "师傅很专业，修得很快")
    screenshot(resident, "co_building-06-portal-rate")
    resident.click("#submit-rating")
    wait_for_state(resident, "rated")
    rating = resident.locator("#rating").inner_text()
    assert "★★★★★" in rating and "响应及时" in rating and "问题已解决" in rating and "师傅很专业" in rating
    assert resident.locator("#rate").count() == 0  # rated once
    screenshot(resident, "co_building-07-portal-rated")
    assert problems == []
    phone.close()
