"""Console and portal pages of party_building without a browser: who sees which page, forms, exports, the portal."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from plugins.party_building.models import Meeting
from tests.core.test_web import HTML, HTMX, csrf_of, sign_in

from .conftest import count


@pytest.fixture
def web(client):
    client.follow_redirects = False
    return client


async def test_the_secretarys_pages(web, city):
    await sign_in(web, "party-secretary-1")
    a1 = city.compounds["A1"]
    home = await web.get(f"/console/compounds/{a1}/party_building", headers=HTML)
    assert home.status_code == 200, home.text
    assert "党建概览" in home.text and "党组织覆盖率" in home.text and "幸福家园小区党支部" in home.text
    for path, marker in (
        (f"/console/compounds/{a1}/party_building/members", "members-table"),
        (f"/console/compounds/{a1}/party_building/meetings", "meetings-table"),
        (f"/console/compounds/{a1}/party_building/action-items", "施划小区停车位"),
        (f"/console/compounds/{a1}/party_building/study", "study-hours"),
        (f"/console/compounds/{a1}/party_building/disclosures", "2026年物业服务收费标准"),
        ("/console/party_building/organisations", "东关社区党委"),
        ("/console/party_building/coverage", "<svg"),
        ("/console/party_building/responsibilities", "responsibilities-table"),
        ("/console/party_building/targets", "requirements-table"),
    ):
        r = await web.get(path, headers=HTML)
        assert r.status_code == 200 and marker in r.text, path
    assert "安居·东关花园" in (await web.get("/console/party_building/coverage", headers=HTML)).text  # the gap is named
    xlsx = await web.get("/console/party_building/coverage/export?format=xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["两个覆盖", "缺口清单"]


async def test_scheduling_a_meeting_through_the_form(web, city, db):
    await sign_in(web, "party-secretary-1")
    a1 = city.compounds["A1"]
    page = await web.get(f"/console/compounds/{a1}/party_building/meetings", headers=HTML)
    token = csrf_of(page.text)
    before = await count(db, Meeting)
    bad = await web.post(
        f"/console/compounds/{a1}/party_building/meetings", data={"_csrf": token, "kind": "joint", "title": "无日期"}, headers=HTMX
    )
    assert bad.status_code == 400 and "scheduled_at" in bad.text
    assert await count(db, Meeting) == before
    ok = await web.post(
        f"/console/compounds/{a1}/party_building/meetings",
        data={
            "_csrf": token,
            "kind": "joint",
            "title": "一月联席会议",
            "scheduled_at": "2027-01-08T15:00",
            "location": "社区会议室",
            "invite_property": "on",
        },
        headers=HTML,
    )
    assert ok.status_code == 303, ok.text
    detail = await web.get(ok.headers["location"], headers=HTML)
    assert "一月联席会议" in detail.text and "2027-01-08 15:00" in detail.text  # read in the tenant's time zone, shown in it
    assert "sign-in-link" in detail.text and re.search(r'id="sign-in-qr"><svg', detail.text)  # the QR code is drawn on the server


async def test_pages_follow_the_roles(web, city):
    a1 = city.compounds["A1"]
    await sign_in(web, "ent-a-manager")
    assert (await web.get(f"/console/compounds/{a1}/party_building/members", headers=HTML)).status_code == 403
    board = await web.get(f"/console/compounds/{a1}/party_building/action-items", headers=HTML)
    assert board.status_code == 200 and "上传佐证并办结" in board.text  # the property company's overdue item is theirs to close
    nav = (await web.get(f"/console/compounds/{a1}/party_building", headers=HTML)).text
    assert "决议事项" in nav and "党员名册" not in nav
    await sign_in(web, "ent-b-admin")
    assert (await web.get(f"/console/compounds/{a1}/party_building", headers=HTML)).status_code == 404


async def test_the_resident_portal_shows_badges_central_households_and_current_disclosures(web, city):
    await sign_in(web, "resident-a1", portal=True)
    r = await web.get("/portal/party_building", headers=HTML)
    assert r.status_code == 200, r.text
    assert "幸福家园小区党支部" in r.text and "张建国" in r.text and "党员" in r.text
    assert "2026年物业服务收费标准" in r.text and "维修资金使用公示" not in r.text and "电梯维保合同" not in r.text
    assert "13700" not in r.text  # no member's phone reaches the portal
    assert (await web.get(f"/console/compounds/{city.compounds['A1']}/party_building/members", headers=HTML)).status_code == 403
