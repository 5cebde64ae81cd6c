"""Quality in a real browser: a district inspector records an inspection on a phone with a finding and a photo and
issues a rectification notice, the enterprise answers it with evidence, the inspector accepts it and closes it; the
closed-loop page draws its charts. Screenshots in tests/output/screenshots/quality-*.png."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_console import log_in, watch_for_script_errors

pytestmark = pytest.mark.e2e

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a6f4d90000000049454e44ae426082"
)
"""A valid 1×1 PNG: the photo of the blocked fire lane, and later of the cleared one."""


def test_inspection_finding_rectified_by_the_enterprise_and_accepted_then_the_loop_charts(browser, live_server, city, screenshot):
    a1 = city.compounds["A1"]
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    inspector = phone.new_page()
    problems = watch_for_script_errors(inspector)
    log_in(inspector, live_server, "officer-1")

    # on site: score the checklist, mark the fire lane as a finding, take a photo
    inspector.goto(f"{live_server}/console/compounds/{a1}/quality/inspections")
    inspector.fill("#score-fire", "18")
    inspector.check("#finding-fire")
    inspector.fill("#note-fire", "3号楼消防通道被私家车占用")
    inspector.set_input_files("#photo", files=[{"name": "消防通道.png", "mimeType": "image/png", "buffer": PNG}])
    assert inspector.evaluate("document.documentElement.scrollWidth") <= 390, "the form fits a phone"
    screenshot(inspector, "quality-01-inspection-form-phone")
    inspector.click("#save-inspection")
    inspector.wait_for_url(re.compile(r".*/quality/inspections/[0-9a-f-]+$"))
    assert "3号楼消防通道被私家车占用" in inspector.content()
    assert inspector.locator("#photos img").count() == 1
    inspector.fill("#notice-days", "3")
    inspector.click("#issue-notice")
    inspector.wait_for_url(re.compile(r".*/quality/rectifications/[0-9a-f-]+$"))
    notice_url = inspector.url
    assert "已下发" in inspector.inner_text("#notice-state")
    screenshot(inspector, "quality-02-notice-issued-phone")

    # the enterprise answers the item with a photo as evidence
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    operator = desk.new_page()
    problems += watch_for_script_errors(operator)
    log_in(operator, live_server, "ent-a-admin")
    operator.goto(f"{live_server}/console/quality/rectifications")
    operator.click(f'a[href="{notice_url.removeprefix(live_server)}"]')
    operator.wait_for_url(notice_url)
    operator.fill("#answer-0", "已联系车主挪车，并在通道口加装禁停标识")
    operator.set_input_files("#evidence-0", files=[{"name": "已清理.png", "mimeType": "image/png", "buffer": PNG}])
    operator.click("#answer-button-0")
    operator.wait_for_selector("#notice-state >> text=已答复")
    assert operator.locator("#evidence img").count() == 1
    screenshot(operator, "quality-03-answered-by-the-enterprise")

    # the inspector accepts the item and closes the notice
    inspector.goto(notice_url)
    assert "已联系车主挪车" in inspector.content()
    inspector.click("#accept-0")
    inspector.wait_for_selector("#notice-state >> text=已验收")
    inspector.click("#close-notice")
    inspector.wait_for_selector("#notice-state >> text=已关闭")
    screenshot(inspector, "quality-04-closed-phone")

    # the closed-loop view of the compound draws its charts on the server
    operator.goto(f"{live_server}/console/compounds/{a1}/quality/loop")
    for chart in ("chart-flow", "chart-demand", "chart-months", "chart-dimensions", "chart-stars", "chart-categories", "chart-trend"):
        assert operator.locator(f"svg#{chart}").is_visible(), chart
    screenshot(operator, "quality-05-closed-loop")
    inspector.goto(f"{live_server}/console/compounds/{a1}/quality/loop")
    assert inspector.evaluate("document.documentElement.scrollWidth") <= 390, "the loop fits a phone"
    screenshot(inspector, "quality-06-closed-loop-phone")
    assert problems == []
