"""A room's building area (建筑面积) and delivery (交付) recorded through the API and the console (issue 14): the
building area is at least the exclusive area, a delivery has happened, and it takes the room out of the developer's
hands; bad input names its field and writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.clock import frozen_at
from tests.core.test_web import HTML, csrf_of, sign_in
from tests.tenants.test_imports import room_at

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


async def test_the_api_records_a_building_area_and_a_delivery(client, as_user, city, db):
    a1, h = city.compounds["A1"], await as_user("ent-a-admin")
    held = await room_at(db, a1, "2号楼", "2单元", "301")
    url = f"/api/v1/compounds/{a1}/rooms/{held.id}"
    assert held.developer_held and held.delivered_on is None
    with frozen_at(NOW):
        small = await client.patch(url, json={"building_area": str(held.exclusive_area - Decimal("0.01"))}, headers=h)
        assert small.status_code == 422 and small.json()["errors"][0]["field"] == "building_area", small.text
        future = await client.patch(url, json={"delivered_on": "2026-12-01"}, headers=h)
        assert future.status_code == 422 and future.json()["errors"][0]["field"] == "delivered_on"
        empty = await client.patch(url, json={}, headers=h)
        assert empty.status_code == 422
        unchanged = await room_at(db, a1, "2号楼", "2单元", "301")
        assert (unchanged.building_area, unchanged.delivered_on, unchanged.developer_held) == (held.building_area, None, True)

        r = await client.patch(url, json={"building_area": str(held.exclusive_area + 20), "delivered_on": "2026-11-30"}, headers=h)
        assert r.status_code == 200, r.text
        assert r.json() | {"id": None} == r.json() | {
            "id": None,
            "building_area": str(held.exclusive_area + 20),
            "delivered_on": "2026-11-30",
            "developer_held": False,
            "exclusive_area": str(held.exclusive_area),
        }
    listed = (await client.get(f"/api/v1/compounds/{a1}/rooms", headers=h, params={"limit": 200})).json()["items"]
    assert next(x for x in listed if x["id"] == str(held.id))["delivered_on"] == "2026-11-30"
    denied = await client.patch(url, json={"building_area": "150"}, headers=await as_user("district-1-admin"))
    assert denied.status_code == 403


async def test_a_new_room_takes_both_areas_and_refuses_a_delivered_developer_room(client, as_user, city, db):
    a1, h = city.compounds["A1"], await as_user("ent-a-admin")
    unit = (await room_at(db, a1, "1号楼", "1单元", "101")).unit_id
    body = {"unit_id": str(unit), "number": "501", "exclusive_area": "90.00", "building_area": "112.50", "delivered_on": "2020-01-02"}
    held = await client.post(f"/api/v1/compounds/{a1}/rooms", json=body | {"developer_held": True}, headers=h)
    assert held.status_code == 422 and held.json()["errors"][0]["field"] == "developer_held"
    made = await client.post(f"/api/v1/compounds/{a1}/rooms", json=body, headers=h)
    assert made.status_code == 201, made.text
    assert (made.json()["building_area"], made.json()["delivered_on"], made.json()["developer_held"]) == ("112.50", "2020-01-02", False)


async def test_the_console_records_a_delivery_in_chinese(client, city, db):
    client.follow_redirects = False
    a1 = city.compounds["A1"]
    held = await room_at(db, a1, "2号楼", "2单元", "302")
    await sign_in(client, "ent-a-manager")
    housing = await client.get(f"/console/compounds/{a1}/housing?unit_id={held.unit_id}", headers=HTML)
    assert housing.status_code == 200 and "建筑面积与交付" in housing.text and "开发商持有" in housing.text
    url = f"/console/compounds/{a1}/rooms/{held.id}"
    small = await client.post(url, data={"building_area": "1.00", "_csrf": csrf_of(housing.text)}, headers=HTML)
    assert small.status_code == 422 and "不能小于专有部分面积" in small.text
    saved = await client.post(url, data={"building_area": "", "delivered_on": "2025-10-08", "_csrf": csrf_of(housing.text)}, headers=HTML)
    assert saved.status_code in (303, 302), saved.text
    room = await room_at(db, a1, "2号楼", "2单元", "302")
    assert (room.delivered_on, room.developer_held) == (dt.date(2025, 10, 8), False)
    shown = await client.get(f"/console/compounds/{a1}/housing?unit_id={held.unit_id}", headers=HTML)
    assert "2025-10-08 交付" in shown.text
