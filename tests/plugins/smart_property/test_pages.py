"""Console and portal pages of smart_property without a browser: the device registry (secret shown once), the alarms
desk, the boards with their SVG charts, and a resident's visitor pass with its QR code."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from plugins.smart_property.models import Alarm, Device, VisitorPass
from tests.core.test_web import HTML, HTMX, csrf_of, sign_in
from tests.plugins.smart_property.support import one


@pytest.fixture
def web(client):
    client.follow_redirects = False
    return client


async def test_the_control_rooms_pages_render_for_the_manager(web, city):
    await sign_in(web, "ent-a-manager")
    a1 = city.compounds["A1"]
    base = f"/console/compounds/{a1}/smart_property"
    devices = await web.get(f"{base}/devices", headers=HTML)
    assert devices.status_code == 200, devices.text
    assert "设备台账" in devices.text and "EL-1-1" in devices.text and "1号楼1单元电梯" in devices.text
    assert "secret_sealed" not in devices.text
    filtered = await web.get(f"{base}/devices?kind=elevator", headers=HTML)
    assert "EL-1-1" in filtered.text and "GT-E" not in filtered.text
    alarms = await web.get(f"{base}/alarms", headers=HTML)
    assert alarms.status_code == 200 and "告警处置" in alarms.text and "电梯故障" in alarms.text
    assert 'id="tally-critical">1<' in alarms.text
    board = await web.get(f"{base}/dashboard", headers=HTML)
    assert board.status_code == 200, board.text
    assert "数据大屏" in board.text and board.text.count("<svg") >= 3 and "电梯故障" in board.text
    assert 'hx-get="' + f"{base}/dashboard/figures" in board.text
    figures = await web.get(f"{base}/dashboard/figures", headers=HTMX)
    assert figures.status_code == 200 and "<html" not in figures.text and "<svg" in figures.text
    menu = (await web.get(f"{base}/devices", headers=HTML)).text
    assert "告警处置" in menu and f"{base}/dashboard" in menu
    english = await web.get(f"{base}/dashboard?lang=en", headers=HTML)
    assert "Control room board" in english.text and "Devices online" in english.text


async def test_registering_a_device_shows_its_secret_once_and_rotating_replaces_it(web, city, db):
    await sign_in(web, "ent-a-admin")
    a1 = city.compounds["A1"]
    base = f"/console/compounds/{a1}/smart_property/devices"
    token = csrf_of((await web.get(base, headers=HTML)).text)
    bad = await web.post(base, data={"_csrf": token, "code": "bad code!", "name": "x", "kind": "elevator"}, headers=HTMX)
    assert bad.status_code == 400 and "code" in bad.text
    assert await one(db, a1, select(func.count()).select_from(Device).where(Device.name == "x")) == 0
    made = await web.post(base, data={"_csrf": token, "code": "EL-9-1", "name": "9号楼电梯", "kind": "elevator"}, headers=HTMX)
    assert made.status_code == 200, made.text
    secret = re.search(r'id="secret-value">([^<]+)<', made.text).group(1)
    assert len(secret) >= 40 and "redprop/" in made.text
    listed = await web.get(base, headers=HTML)
    assert "EL-9-1" in listed.text and secret not in listed.text  # never shown again
    device_id = await one(db, a1, select(Device.id).where(Device.compound_id == a1, Device.code == "EL-9-1"))
    rotated = await web.post(f"{base}/{device_id}/secret", data={"_csrf": token}, headers=HTMX)
    new = re.search(r'id="secret-value">([^<]+)<', rotated.text).group(1)
    assert new != secret and "2" in rotated.text
    retired = await web.post(f"{base}/{device_id}/active", data={"_csrf": token, "active": "off"}, headers=HTMX)
    assert retired.status_code == 204
    assert await one(db, a1, select(Device.active).where(Device.id == device_id)) is False


async def test_staff_acknowledge_and_resolve_the_elevator_alarm_at_the_desk(web, city, db):
    await sign_in(web, "ent-a-staff")
    a1 = city.compounds["A1"]
    base = f"/console/compounds/{a1}/smart_property/alarms"
    desk = await web.get(base, headers=HTML)
    token = csrf_of(desk.text)
    alarm_id = await one(db, a1, select(Alarm.id).where(Alarm.compound_id == a1, Alarm.state == "open"))
    assert f'id="acknowledge-{alarm_id}"' in desk.text
    ack = await web.post(f"{base}/{alarm_id}/moves", data={"_csrf": token, "action": "acknowledge"}, headers=HTMX)
    assert ack.status_code == 204, ack.text
    again = await web.post(f"{base}/{alarm_id}/moves", data={"_csrf": token, "action": "acknowledge"}, headers=HTMX)
    assert again.status_code == 409 and "resolve" in again.text
    done = await web.post(f"{base}/{alarm_id}/moves", data={"_csrf": token, "action": "resolve", "note": "维保单位已修复"}, headers=HTMX)
    assert done.status_code == 204
    assert await one(db, a1, select(Alarm.state).where(Alarm.id == alarm_id)) == "resolved"
    resolved = await web.get(f"{base}?state=resolved", headers=HTML)
    assert "维保单位已修复" in resolved.text


async def test_the_district_board_sums_its_compounds(web, city):
    await sign_in(web, "district-1-admin")
    board = await web.get("/console/smart_property/dashboard", headers=HTML)
    assert board.status_code == 200, board.text
    assert "辖区数据大屏" in board.text and 'data-chart="compounds"' in board.text and board.text.count("<svg") >= 5
    assert "幸福家园" in board.text or "A1" in board.text
    assert "党组织覆盖率" in board.text  # party building's district figure
    resident = await sign_in(web, "resident-a1")
    assert resident.status_code in (302, 303)
    assert (await web.get("/console/smart_property/dashboard", headers=HTML)).status_code in (403, 302, 303)


async def test_a_resident_issues_a_pass_and_sees_its_qr_code(web, city, db):
    await sign_in(web, "resident-a1", portal=True)
    a1 = city.compounds["A1"]
    base = f"/portal/compounds/{a1}/smart_property/passes"
    listed = await web.get(base, headers=HTML)
    assert listed.status_code == 200, listed.text
    assert "访客通行码" in listed.text
    token = csrf_of(listed.text)
    bad = await web.post(base, data={"_csrf": token, "visitor_name": "", "max_entries": "99"}, headers=HTMX)
    assert bad.status_code == 400
    made = await web.post(
        base, data={"_csrf": token, "visitor_name": "王阿姨", "purpose": "探亲", "valid_hours": "4", "max_entries": "2"}, headers=HTMX
    )
    assert made.status_code == 204, made.text
    url = made.headers["hx-redirect"]
    shown = await web.get(url, headers=HTML)
    assert shown.status_code == 200 and "<svg" in shown.text and "王阿姨" in shown.text and "有效" in shown.text
    revoked = await web.post(f"{url}/revoke", data={"_csrf": token}, headers=HTMX)
    assert revoked.status_code == 204
    again = await web.get(url, headers=HTML)
    assert "已撤销" in again.text and 'id="pass-qr"' not in again.text
    assert await one(db, a1, select(func.count()).select_from(VisitorPass).where(VisitorPass.visitor_name == "王阿姨")) == 1
    # another resident does not see it
    await sign_in(web, "resident-a1b", portal=True)
    assert (await web.get(url, headers=HTML)).status_code == 404
