"""A resident's request handed over by co_building becomes a case, and the case's progress reaches the request — end to
end through the outbox, the broker and the worker (stub broker on SQLite; Redis with PostgreSQL when configured)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from core.db import Scope
from core.jobs.runtime import build_runtime
from plugins.coordination.models.cases import Case
from tests.plugins.coordination.conftest import DESK, department_of, moved

REQUESTS = "/api/v1/compounds/{}/co_building/requests"


async def _eventually(probe, what: str, tries: int = 300):
    for _ in range(tries):
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_handed_over_request_becomes_a_case_and_its_resolution_shows_on_the_request(
    client, as_user, city, db, settings, plugin_host
):
    resident, manager = await as_user("resident-a1"), await as_user("ent-a-manager")
    admin, officer = await as_user("district-1-admin"), await as_user("officer-1")
    a1 = city.compounds["A1"]
    requests = REQUESTS.format(a1)
    rooms = (await client.get(f"/api/v1/compounds/{a1}/co_building/my-rooms", headers=resident)).json()
    rooms = rooms["items"] if isinstance(rooms, dict) else rooms  # a page since co_building's move to core.pagination
    body = {"kind": "complaint", "category": "noise", "title": "楼下商铺夜间噪音扰民", "description": "每晚十点后", "location": "room"}
    r = await client.post(requests + "/", json={**body, "room_id": rooms[0]["room_id"]}, headers=resident)
    assert r.status_code == 201, r.text
    request = r.json()
    r = await client.post(f"{requests}/{request['id']}/handover", json={"reason": "商铺噪音需城管执法"}, headers=manager)
    assert r.status_code == 200, r.text

    runtime = build_runtime(settings, plugin_host)
    runtime.start_worker(threads=1)
    runtime.start_loops(dispatch_interval=0.05)
    try:

        async def opened():
            items = (await client.get(f"{DESK}/cases", headers=admin)).json()["items"]
            return next((c for c in items if c["source_id"] == request["id"]), None)

        case = await _eventually(opened, "the case")
        assert case["source"] == "co_building.request" and case["category"] == "noise" and case["location"] == "room"
        assert case["state"] == "reported" and case["reporter_label"] == "物业转办"
        case = await moved(client, admin, case, "accept")
        case = await moved(client, admin, case, "dispatch", department_id=str(await department_of(db, city)))
        case = await moved(client, officer, case, "start")
        case = await moved(client, officer, case, "resolve", note="已责令商铺22点后停止营业")

        async def shown(status):
            async def probe():
                seen = (await client.get(f"{requests}/{request['id']}", headers=resident)).json()
                return seen if seen["case_status"] == status else None

            return probe

        seen = await _eventually(await shown("resolved"), "the resolution on the request")
        assert seen["case_reference"] == case["number"]
        updates = [e for e in seen["timeline"] if e["action"] == "case_update"]
        assert any("已责令商铺22点后停止营业" in e["note"] for e in updates)
        assert any("文峰区城管执法局" in e["actor"] for e in updates)
        case = await moved(client, admin, case, "verify")
        case = await moved(client, admin, case, "close")
        await _eventually(await shown("closed"), "the closing on the request")
    finally:
        await asyncio.to_thread(runtime.stop)
    # delivered twice, the hand-over still opens one case
    async with db.session(Scope.everything("test")) as session:
        rows = (await session.scalars(select(Case).where(Case.source_id == request["id"]))).all()
    assert len(rows) == 1
