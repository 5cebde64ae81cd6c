"""党建引领 in a real browser: a community secretary records a joint meeting whose resolution creates an action item;
the property manager closes it with evidence (a note and a photo)."""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib

import pytest

from tests.e2e.test_console import log_in, watch_for_script_errors

pytestmark = pytest.mark.e2e

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def tiny_png(path) -> str:
    """A valid 1×1 red PNG, as a phone's photo of the evidence would be."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xc8\x16\x1d"))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(raw)
    return str(path)


def test_secretary_records_a_joint_meeting_and_the_manager_closes_its_action_item(browser, live_server, city, tmp_path, screenshot):
    a1 = city.compounds["A1"]
    base = f"{live_server}/console/compounds/{a1}/party_building"
    now = dt.datetime.now(SHANGHAI)

    secretary = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = secretary.new_page()
    problems = watch_for_script_errors(page)
    log_in(page, live_server, "party-secretary-1")
    page.goto(f"{base}/meetings")
    assert "会议" in page.locator("h1").inner_text()
    page.fill("#mt-title", "十二月红色物业联席会议")
    page.fill("#mt-time", (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#mt-place", "东关社区党群服务中心")
    page.fill("#mt-agenda", "1. 电动车充电桩安装\n2. 楼道杂物清理")
    screenshot(page, "pb-01-schedule-joint-meeting")
    page.click("#schedule-meeting")
    page.wait_for_url(re.compile(r".*/party_building/meetings/[0-9a-f-]{36}$"))
    meeting_url = page.url
    attendees = page.locator("#attendees").inner_text()
    assert "红城物业项目经理" in attendees and "东关社区党委书记" in attendees  # the property company was invited
    assert page.locator("#sign-in-link").count() == 1

    page.fill("#mn-text", "社区党委、业委会、红城物业参会，议定在小区东门安装电动车充电桩。")
    page.click("#record-minutes")
    page.wait_for_selector("#minutes")
    assert "已召开" in page.locator("#meeting-status").inner_text()

    page.fill("#rs-text", "在小区东门安装电动车集中充电桩")
    page.fill("#rs-title", "完成充电桩选址并公示")
    page.select_option("#rs-owner", "property_company")
    page.fill("#rs-due", (now + dt.timedelta(days=7)).strftime("%Y-%m-%d"))
    page.click("#add-resolution")
    page.wait_for_selector("#resolutions >> text=完成充电桩选址并公示")
    assert "安阳红城物业服务有限公司" in page.locator("#resolutions").inner_text()
    screenshot(page, "pb-02-meeting-with-resolution")
    assert page.url == meeting_url
    assert problems == []
    secretary.close()

    manager = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = manager.new_page()
    problems = watch_for_script_errors(page)
    log_in(page, live_server, "ent-a-manager")
    page.goto(f"{base}/action-items")
    row = page.locator("#action-items tr", has_text="完成充电桩选址并公示")
    assert "未办结" in row.inner_text()
    row.locator("textarea[name=evidence]").fill("已完成选址（东门停车场北侧），公示照片见附件。")
    row.locator("input[name=evidence_file]").set_input_files(tiny_png(tmp_path / "公示照片.png"))
    screenshot(page, "pb-03-board-before-closing")
    row.locator("button[type=submit]", has_text="上传佐证并办结").click()
    page.wait_for_selector("#action-items tr:has-text('完成充电桩选址并公示') >> text=已办结")
    closed = page.locator("#action-items tr", has_text="完成充电桩选址并公示").inner_text()
    assert "按时" in closed and "东门停车场北侧" in closed
    tallies = page.locator("#tallies").inner_text()
    assert "安阳红城物业服务有限公司" in tallies
    screenshot(page, "pb-04-item-closed")
    assert problems == []

    # the manager works the board but never reads the member register
    response = page.goto(f"{base}/members")
    assert response is not None and response.status == 403
    manager.close()
