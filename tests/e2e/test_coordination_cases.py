"""A case in a real browser: a resident's request is handed over and becomes a case (through the worker); the
community dispatches it, the officer receives it on a phone and resolves it with a photo, the community verifies it,
and the resident sees it resolved on their request."""

from __future__ import annotations

import re
import time

import pytest

from core.jobs.runtime import build_runtime
from tenants.demo import DEMO_PASSWORD
from tests.e2e.test_console import log_in, watch_for_script_errors

pytestmark = pytest.mark.e2e

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a6f4d90000000049454e44ae426082"
)
TITLE = "楼下烧烤店油烟噪音扰民"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


@pytest.fixture
def worker(settings, plugin_host):
    """The job runtime (outbox dispatcher and worker), so events travel between the plugins as in production."""
    runtime = build_runtime(settings, plugin_host)
    runtime.start_worker(threads=1)
    runtime.start_loops(dispatch_interval=0.05)
    yield runtime
    runtime.stop()


def reload_until(page, selector: str, text: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while text not in page.locator(selector).inner_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} did not appear in {selector}")
        time.sleep(0.3)
        page.reload()


def case_move(page, action: str, state: str, note: str | None = None) -> None:
    if note is not None:
        page.fill(f"#note-{action}", note)
    page.click(f"#action-{action}")
    page.wait_for_selector(f'#case-state [data-state="{state}"]')


def test_an_officer_resolves_a_handed_over_case_with_a_photo_and_the_resident_sees_it(worker, browser, live_server, city, screenshot):
    a1 = city.compounds["A1"]
    problems: list[str] = []

    # the resident files a complaint in the portal
    phone = browser.new_context(**PHONE)
    resident = phone.new_page()
    problems += watch_for_script_errors(resident)
    resident.goto(f"{live_server}/portal/login")
    resident.fill("#username", "resident-a1")
    resident.fill("#password", DEMO_PASSWORD)
    resident.click("button[type=submit]")
    resident.wait_for_url(f"{live_server}/portal/")
    resident.goto(f"{live_server}/portal/compounds/{a1}/co_building/requests/new")
    resident.select_option("#kind", "complaint")
    resident.select_option("#category", "noise")
    resident.fill("#title", TITLE)
    resident.fill("#description", "每晚十点后仍在营业")
    resident.click("#file-request")
    resident.wait_for_url(re.compile(rf".*/portal/compounds/{a1}/co_building/requests/[0-9a-f-]{{36}}$"))
    request_url = resident.url

    # the manager hands it over: beyond the property company's powers
    office = browser.new_context(**DESK)
    manager = office.new_page()
    problems += watch_for_script_errors(manager)
    log_in(manager, live_server, "ent-a-manager")
    manager.goto(request_url.replace("/portal/", "/console/"))
    manager.fill("#handover-reason", "商铺油烟噪音需城管执法")
    manager.locator("#handover-reason").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    manager.wait_for_selector("#case")
    office.close()

    # the community finds the case on its desk (opened by the worker) and dispatches it
    centre = browser.new_context(**DESK)
    community = centre.new_page()
    problems += watch_for_script_errors(community)
    log_in(community, live_server, "district-1-admin")
    community.goto(f"{live_server}/console/coordination/cases?state=reported")
    reload_until(community, "#cases", TITLE)
    community.locator("#cases tr", has_text=TITLE).locator("a").first.click()
    community.wait_for_url(re.compile(r".*/coordination/cases/[0-9a-f-]{36}$"))
    case_url = community.url
    assert "居民诉求转办" in community.locator(".kv").inner_text()
    case_move(community, "accept", "accepted")
    community.select_option("#department-dispatch", label="文峰区城管执法局")
    case_move(community, "dispatch", "dispatched", note="请城管中队处置")
    screenshot(community, "coordination-01-dispatched")

    # the officer receives it on a phone and resolves it with a photo
    field = browser.new_context(**PHONE)
    officer = field.new_page()
    problems += watch_for_script_errors(officer)
    log_in(officer, live_server, "officer-1")
    officer.goto(f"{live_server}/console/coordination/cases?state=dispatched")
    officer.locator("#cases tr", has_text=TITLE).locator("a").first.click()
    officer.wait_for_url(case_url)
    assert officer.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(officer, "coordination-02-officer-received")
    case_move(officer, "start", "in_progress")
    officer.set_input_files("#photo-resolve", files=[{"name": "整改后.png", "mimeType": "image/png", "buffer": PNG}])
    case_move(officer, "resolve", "resolved", note="已责令店主整改，22点后停止营业")
    assert officer.locator("#photos img").count() == 1
    screenshot(officer, "coordination-03-officer-resolved")
    field.close()

    # the resident sees it resolved on the request
    resident.goto(request_url)
    reload_until(resident, "main", "已办结")  # the case status, in the reader's language
    assert "已责令店主整改" in resident.locator("main").inner_text()
    screenshot(resident, "coordination-04-resident-sees-resolved")

    # the community verifies it on the spot
    community.goto(case_url)
    assert community.locator("#photos img").evaluate("img => img.complete && img.naturalWidth") == 1
    case_move(community, "verify", "verified", note="现场核查无扰民")
    timeline = community.locator("#timeline").inner_text()
    assert all(word in timeline for word in ("已上报", "受理", "派遣", "开始处置", "办结", "核查通过"))
    screenshot(community, "coordination-05-verified")
    centre.close()
    resident.goto(request_url)
    reload_until(resident, "main", "已核查")
    assert problems == []
    phone.close()
