"""coordination pages without a browser: the desk for the community, the officer and the operator, a case's moves and
photo through forms with CSRF, the departments page, errors in place and nothing written on bad input."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from core.db import Scope
from core.files.models import Attachment
from tests.core.test_web import HTML, HTMX, csrf_of, sign_in
from tests.plugins.coordination.conftest import case_count, department_of

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a6f4d90000000049454e44ae426082"
)
DESK = "/console/coordination/cases"


@pytest.fixture
def web(client):
    client.follow_redirects = False
    return client


async def post(web, url: str, data: dict, *, token_from: str, files=None, htmx: bool = False):
    page = await web.get(token_from, headers=HTML)
    assert page.status_code == 200, page.text[:2000]
    token = csrf_of(page.text)
    if htmx:
        return await web.post(url, data=data, files=files, headers={**HTMX, "X-CSRF-Token": token})
    return await web.post(url, data={**data, "_csrf": token}, files=files, headers=HTML)


async def test_a_case_is_reported_dispatched_resolved_with_a_photo_and_verified_through_the_pages(web, city, db):
    await sign_in(web, "ent-a-manager")
    r = await post(
        web,
        DESK + "/",
        {"compound_id": str(city.compounds["A1"]), "category": "noise", "title": "篮球场夜间噪音", "location": "point", "point": "篮球场"},
        token_from=DESK + "/new",
    )
    assert r.status_code == 303, r.text[:2000]
    detail = r.headers["location"]
    found = re.search(r"/coordination/cases/([0-9a-f-]{36})$", detail)
    assert found
    page = await web.get(detail, headers=HTML)
    assert page.status_code == 200 and "篮球场夜间噪音" in page.text and 'data-state="reported"' in page.text
    assert 'id="action-accept"' not in page.text  # the operator follows, the community moves
    # the community accepts and dispatches by the table
    await sign_in(web, "district-1-admin")
    desk = await web.get(DESK + "?state=reported", headers=HTML)
    assert desk.status_code == 200 and "篮球场夜间噪音" in desk.text and "协同案件" in desk.text
    assert (await post(web, detail + "/moves", {"action": "accept"}, token_from=detail)).status_code == 303
    dept = await department_of(db, city)
    assert (await post(web, detail + "/moves", {"action": "dispatch", "department_id": str(dept)}, token_from=detail)).status_code == 303
    # the officer finds it in the department's queue, starts it, resolves it with a photo
    await sign_in(web, "officer-1")
    queue = await web.get(DESK, headers=HTML)
    assert "部门案件" in queue.text and "篮球场夜间噪音" in queue.text
    assert (await post(web, detail + "/moves", {"action": "start"}, token_from=detail)).status_code == 303
    r = await post(
        web, detail + "/moves", {"action": "resolve", "note": "已劝离"}, token_from=detail, files={"photo": ("现场.png", PNG, "image/png")}
    )
    assert r.status_code == 303, r.text[:2000]
    async with db.session(Scope.everything("test")) as session:
        photos = await session.scalar(select(func.count()).select_from(Attachment).where(Attachment.record_id == uuid.UUID(found.group(1))))
    assert photos == 1
    # the community verifies
    await sign_in(web, "district-1-admin")
    page = await web.get(detail, headers=HTML)
    assert 'data-state="resolved"' in page.text and 'id="action-verify"' in page.text and "已劝离" in page.text
    photo = re.search(r'<img src="([^"]+/photos/[0-9a-f-]{36})"', page.text)
    assert photo and (await web.get(photo.group(1))).content == PNG
    assert (await post(web, detail + "/moves", {"action": "verify"}, token_from=detail)).status_code == 303
    assert 'data-state="verified"' in (await web.get(detail, headers=HTML)).text


async def test_a_refused_move_shows_in_place_and_writes_nothing(web, city, db):
    await sign_in(web, "district-1-admin")
    desk = await web.get(DESK + "?state=reported", headers=HTML)
    found = re.search(r'href="(/console/compounds/[0-9a-f-]{36}/coordination/cases/[0-9a-f-]{36})"', desk.text)
    assert found, "the demo has reported cases"
    detail = found.group(1)
    r = await post(web, detail + "/moves", {"action": "return"}, token_from=detail, htmx=True)
    assert r.status_code == 422 and "请填写原因" in r.text
    r = await post(web, detail + "/moves", {"action": "close"}, token_from=detail, htmx=True)
    assert r.status_code == 409 and "当前状态不允许此操作" in r.text
    before = await case_count(db)
    r = await post(
        web, DESK + "/", {"compound_id": str(city.compounds["A1"]), "category": "ufo", "title": "x"}, token_from=DESK + "/new", htmx=True
    )
    assert r.status_code == 422 and "category" in r.text
    assert await case_count(db) == before


async def test_the_departments_page_shows_routing_limits_and_performance(web, city):
    await sign_in(web, "district-1-admin")
    page = await web.get("/console/coordination/departments", headers=HTML)
    assert page.status_code == 200 and "文峰区城管执法局" in page.text and "分派表" in page.text and 'id="performance"' in page.text
    await sign_in(web, "ent-a-admin")
    assert (await web.get("/console/coordination/departments", headers=HTML)).status_code == 403
    await sign_in(web, "district-2-admin")
    desk = await web.get(DESK, headers=HTML)
    assert desk.status_code == 200 and "顶楼加建阳光房" not in desk.text


async def test_a_community_task_is_assigned_and_reported_through_the_pages(web, city):
    await sign_in(web, "district-1-admin")
    tasks = "/console/coordination/tasks"
    r = await post(
        web,
        tasks + "/",
        {"kind": "campaign", "title": "垃圾分类宣传周", "deadline": "2026-12-20T18:00", "compound_ids": [str(city.compounds["A1"])]},
        token_from=tasks + "/",
    )
    assert r.status_code == 303, r.text[:2000]
    detail = r.headers["location"]
    page = await web.get(detail, headers=HTML)
    assert page.status_code == 200 and "垃圾分类宣传周" in page.text and "红城·幸福家园" in page.text
    await sign_in(web, "ent-a-manager")
    mine = f"/console/compounds/{city.compounds['A1']}/coordination/tasks"
    page = await web.get(mine + "/", headers=HTML)
    found = re.search(r'data-assignment="([0-9a-f-]{36})">\s*<h2>垃圾分类宣传周', page.text)
    assert found, page.text[:3000]
    r = await post(
        web,
        f"{mine}/{found.group(1)}/report",
        {"report": "已在小区广场设点宣传"},
        token_from=mine + "/",
        files={"photo": ("宣传.png", PNG, "image/png")},
    )
    assert r.status_code == 303, r.text[:2000]
    await sign_in(web, "district-1-admin")
    assert "已在小区广场设点宣传" in (await web.get(detail, headers=HTML)).text


async def test_a_resident_votes_once_in_the_portal(web, city):
    await sign_in(web, "13800000001", portal=True)
    url = f"/portal/compounds/{city.compounds['A1']}/coordination/publicity/"
    page = await web.get(url, headers=HTML)
    assert page.status_code == 200 and "2026年度文明家庭评选" in page.text and "弘扬家庭美德" in page.text and "银龄关爱助餐" in page.text
    found = re.search(r'name="nomination_id" value="([0-9a-f-]{36})"><button class="small" id="vote-', page.text)
    assert found
    action = re.search(r'action="([^"]+/votes)"', page.text).group(1)
    r = await post(web, action, {"nomination_id": found.group(1)}, token_from=url)
    assert r.status_code == 303, r.text[:2000]
    page = await web.get(url, headers=HTML)
    assert "您已投此票" in page.text and 'id="vote-' not in page.text
    r = await post(web, action, {"nomination_id": found.group(1)}, token_from=url, htmx=True)
    assert r.status_code == 409 and "您已在本次评选中投过票" in r.text


async def test_the_community_runs_a_selection_through_the_console(web, city):
    await sign_in(web, "district-1-admin")
    url = "/console/coordination/publicity/"
    r = await post(web, url + "selections", {"kind": "best_volunteer", "title": "最美志愿者评选"}, token_from=url)
    assert r.status_code == 303, r.text[:2000]
    page = await web.get(url, headers=HTML)
    sid = re.search(r'id="selection-([0-9a-f-]{36})">\s*<h2>最美志愿者评选', page.text).group(1)
    await sign_in(web, "13800000001", portal=True)
    portal = f"/portal/compounds/{city.compounds['A1']}/coordination/publicity/"
    r = await post(web, f"{portal}selections/{sid}/nominations", {"nominee": "赵大妈", "reason": "义务巡逻十年"}, token_from=portal)
    assert r.status_code == 303, r.text[:2000]
    await sign_in(web, "district-1-admin")
    assert (await post(web, f"{url}selections/{sid}/moves", {"action": "review"}, token_from=url)).status_code == 303
    page = await web.get(url, headers=HTML)
    nid = re.search(r'id="approve-([0-9a-f-]{36})"', page.text.split(f'id="selection-{sid}"')[1]).group(1)
    assert (await post(web, f"{url}selections/{sid}/nominations/{nid}/review", {"approve": "true"}, token_from=url)).status_code == 303
    assert (await post(web, f"{url}selections/{sid}/moves", {"action": "open_vote"}, token_from=url)).status_code == 303
    r = await post(web, url + "articles", {"kind": "news", "theme": "social_virtue", "title": "志愿服务进小区"}, token_from=url)
    assert r.status_code == 303
    await sign_in(web, "13800000001", portal=True)
    page = await web.get(portal, headers=HTML)
    assert f'id="vote-{nid}"' in page.text and "志愿服务进小区" in page.text


async def test_the_district_draws_a_grid_through_the_console(web, city):
    await sign_in(web, "district-1-admin")
    url = "/console/coordination/grids/"
    page = await web.get(url, headers=HTML)
    assert page.status_code == 200 and "东关社区第一网格" in page.text and "东关社区网格员" in page.text
    r = await post(web, url, {"community_id": str(city.regions["community-1-2"]), "name": "西关社区第一网格"}, token_from=url)
    assert r.status_code == 303, r.text[:2000]
    page = await web.get(url, headers=HTML)
    card = page.text.split("西关社区第一网格")[0].rsplit('id="grid-', 1)[1]
    grid_id = card[:36]
    section = page.text.split(f'id="grid-{grid_id}"')[1].split('id="grid-')[0]
    building = re.search(r'name="building_ids" value="([0-9a-f-]{36})"', section).group(1)
    r = await post(web, f"{url}{grid_id}/buildings", {"building_ids": [building]}, token_from=url)
    assert r.status_code == 303, r.text[:2000]
    assert f'value="{building}" checked' in (await web.get(url, headers=HTML)).text
    await sign_in(web, "ent-a-admin")
    assert (await web.get(url, headers=HTML)).status_code == 403
