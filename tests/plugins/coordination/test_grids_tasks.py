"""Grids (a case in a grid reaches its worker first, who sees only their grids' cases) and community tasks (assigned to
operators, reported with a deadline, progress per compound), through the API."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core import clock
from core.db import Scope
from core.notifications.models import Notification
from tenants.models import Building
from tests.plugins.coordination.conftest import DESK, MONDAY_10, case_count, case_url, report


async def _buildings(db, compound_id) -> list[str]:
    async with db.session(Scope.everything("test")) as session:
        return [str(b) for b in (await session.scalars(select(Building.id).where(Building.compound_id == compound_id))).all()]


async def test_a_case_in_a_grid_reaches_its_worker_first_and_the_worker_sees_only_their_grids(client, as_user, city, db):
    admin, manager, worker = await as_user("district-1-admin"), await as_user("ent-a-admin"), await as_user("grid-1")
    a2 = city.compounds["A2"]
    r = await client.post(
        f"{DESK}/grids",
        json={"community_id": str(city.regions["community-1-2"]), "name": "西关社区第一网格", "worker_user_id": str(city.users["grid-1"])},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    grid = r.json()
    buildings = await _buildings(db, a2)
    r = await client.put(f"{DESK}/grids/{grid['id']}/buildings", json={"building_ids": buildings[:1]}, headers=admin)
    assert r.status_code == 200 and r.json()["building_ids"] == buildings[:1]
    in_grid = await report(client, manager, a2, location="building", building_id=buildings[0], title="楼道堆放电动车")
    outside = await report(client, manager, a2, location="building", building_id=buildings[1], title="别的楼")
    async with db.session(Scope.everything("test")) as session:
        told = (
            await session.scalars(
                select(Notification.title).where(
                    Notification.user_id == city.users["grid-1"], Notification.kind == "coordination.case.in_grid"
                )
            )
        ).all()
    assert any(in_grid["number"] in t for t in told) and not any(outside["number"] in t for t in told)
    seen = {c["id"] for c in (await client.get(f"{DESK}/cases?limit=500", headers=worker)).json()["items"]}
    assert in_grid["id"] in seen and outside["id"] not in seen
    assert (await client.get(case_url(a2, outside["id"]), headers=worker)).status_code == 404
    mine = (await client.get(case_url(a2, in_grid["id"]), headers=worker)).json()
    assert mine["allowed"] == []  # the worker follows; the community moves
    # the worker reports a case too
    r = await client.post(
        f"{DESK}/cases",
        json={
            "compound_id": str(a2),
            "category": "safety_hazard",
            "title": "井盖松动",
            "source": "grid",
            "location": "building",
            "building_id": buildings[0],
        },
        headers=worker,
    )
    assert r.status_code == 201 and r.json()["source"] == "grid"
    # bad input: a building of another community, a worker from outside the district
    other = await _buildings(db, city.compounds["A1"])
    r = await client.put(f"{DESK}/grids/{grid['id']}/buildings", json={"building_ids": other[:1]}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "building_ids"
    r = await client.post(
        f"{DESK}/grids",
        json={"community_id": str(city.regions["community-1-2"]), "name": "第二网格", "worker_user_id": str(city.users["ent-a-admin"])},
        headers=admin,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "worker_user_id"
    r = await client.post(f"{DESK}/grids", json={"community_id": str(city.regions["community-2-1"]), "name": "别区网格"}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "community_id"
    assert (await client.get(f"{DESK}/grids", headers=await as_user("district-2-admin"))).json()["total"] == 0


async def test_a_community_task_is_reported_by_each_operator_and_progress_shows_per_compound(client, as_user, city, db):
    admin, manager, ent_a, ent_b = [await as_user(u) for u in ("district-1-admin", "ent-a-manager", "ent-a-admin", "ent-b-admin")]
    a1, a2, b1 = city.compounds["A1"], city.compounds["A2"], city.compounds["B1"]
    deadline = (MONDAY_10 + dt.timedelta(days=2)).isoformat()
    body = {
        "kind": "emergency",
        "title": "寒潮防冻应急检查",
        "description": "检查水管保温",
        "deadline": deadline,
        "compound_ids": [str(a1), str(a2), str(b1)],
    }
    r = await client.post(f"{DESK}/tasks", json=body, headers=admin)
    assert r.status_code == 201, r.text
    task = r.json()
    assert (task["assigned"], task["reported"]) == (3, 0) and {a["compound_name"] for a in task["assignments"]} >= {"红城·幸福家园"}
    # the operator of A1 finds it and reports
    mine = (await client.get(f"/api/v1/compounds/{a1}/coordination/tasks/", headers=manager)).json()["items"]
    assignment = next(a for a in mine if a["task_id"] == task["id"])
    r = await client.post(
        f"/api/v1/compounds/{a1}/coordination/tasks/{assignment['id']}/report", json={"report": "已检查全部水管"}, headers=manager
    )
    assert r.status_code == 200 and not r.json()["late"]
    again = await client.post(
        f"/api/v1/compounds/{a1}/coordination/tasks/{assignment['id']}/report", json={"report": "again"}, headers=manager
    )
    assert again.status_code == 409
    # enterprise B cannot see A1's tasks, and reports B1's late
    assert (await client.get(f"/api/v1/compounds/{a1}/coordination/tasks/", headers=ent_b)).status_code == 404
    clock.advance(dt.timedelta(days=3))
    ent_b = await as_user("ent-b-admin")
    theirs = await client.get(f"/api/v1/compounds/{b1}/coordination/tasks/", headers=ent_b)
    assert theirs.status_code in (200, 403)  # B1 has no coordination module (basic plan): gated
    ent_a = await as_user("ent-a-admin")
    a2_task = next(
        a
        for a in (await client.get(f"/api/v1/compounds/{a2}/coordination/tasks/", headers=ent_a)).json()["items"]
        if a["task_id"] == task["id"]
    )
    assert a2_task["overdue"]
    r = await client.post(f"/api/v1/compounds/{a2}/coordination/tasks/{a2_task['id']}/report", json={"report": "迟报"}, headers=ent_a)
    assert r.status_code == 200 and r.json()["late"]
    admin = await as_user("district-1-admin")
    progress = (await client.get(f"{DESK}/tasks/{task['id']}", headers=admin)).json()
    assert (progress["assigned"], progress["reported"], progress["late"]) == (3, 2, 1)
    listed = (await client.get(f"{DESK}/tasks", headers=admin)).json()["items"]
    assert next(t for t in listed if t["id"] == task["id"])["reported"] == 2
    # bad input writes nothing
    before = await case_count(db)
    body["deadline"] = (MONDAY_10 + dt.timedelta(days=5)).isoformat()
    for extra, field in (
        ({"kind": "party"}, "kind"),
        ({"deadline": "2020-01-01T00:00:00+08:00"}, "deadline"),
        ({"compound_ids": [str(city.compounds["C1"])]}, "compound_ids"),
    ):
        r = await client.post(f"{DESK}/tasks", json={**body, **extra}, headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    assert len((await client.get(f"{DESK}/tasks", headers=admin)).json()["items"]) == len(listed)
    assert await case_count(db) == before
    assert (await client.post(f"{DESK}/tasks", json=body, headers=await as_user("ent-a-manager"))).status_code == 403
