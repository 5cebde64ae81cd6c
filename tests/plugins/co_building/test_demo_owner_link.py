"""The demo's link case (issue 14, point 1): 赵桂兰 owns 101 and 201 of A1's 3号楼 and was registered without an ID card,
once per room, so the draft roll shows 26 heads until the owners' committee links the rooms; then 25, one head with
both rooms' area. Every demo room has a building area, and a delivered room has its delivery date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import clock
from core.db import Scope
from tenants.models import Building, Resident, Room, Unit
from tests.support.pre_review import approve_vote_review

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(NOW):
        yield


async def _rooms_of_3(db, city) -> dict[str, Room]:
    a1 = city.compounds["A1"]
    async with db.session(Scope.of([a1])) as session:
        rows = await session.scalars(
            select(Room)
            .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
            .join(Building, (Building.compound_id == Unit.compound_id) & (Building.id == Unit.building_id))
            .where(Room.compound_id == a1, Building.name == "3号楼")
        )
        return {r.number: r for r in rows}


async def test_the_demo_roll_counts_26_heads_until_the_committee_links_the_owner_without_an_id_card(client, as_user, city, db):
    district = await as_user("district-1-admin")
    rooms = await _rooms_of_3(db, city)
    async with db.session(Scope.of([city.compounds["A1"]])) as session:
        zhao = (
            await session.scalars(select(Resident).where(Resident.compound_id == city.compounds["A1"], Resident.name == "赵桂兰"))
        ).all()
    assert len(zhao) == 2 and all(r.id_card_index is None and r.user_id is None for r in zhao)

    base = f"/api/v1/compounds/{city.compounds['A1']}/co_building/votes"
    closes = (NOW + dt.timedelta(days=2)).isoformat()
    vote = await client.post(
        base + "/", json={"title": "选聘物业", "matter": "hire_property_company", "closes_at": closes}, headers=district
    )
    assert vote.status_code == 201, vote.text
    url = f"{base}/{vote.json()['id']}"
    roll = (await client.get(url + "/roll", params={"limit": 200}, headers=district)).json()
    assert roll["total"] == 26
    hers = [h for h in roll["items"] if {x["room_id"] for x in h["rooms"]} & {str(rooms["101"].id), str(rooms["201"].id)}]
    assert len(hers) == 2 and all(len(h["rooms"]) == 1 for h in hers)

    r = await client.post(
        url + "/roll/links",
        json={"room_id": str(rooms["201"].id), "same_as_room_id": str(rooms["101"].id), "note": "同一业主（赵桂兰，未登记身份证）"},
        headers=district,
    )
    assert r.status_code == 200, r.text
    assert Decimal(r.json()["area"]) == Decimal("76.40") + Decimal("98.15")
    assert (await client.get(url + "/roll", params={"limit": 200}, headers=district)).json()["total"] == 25
    await approve_vote_review(client, city.compounds["A1"], vote.json()["id"], district)  # 前置把关
    opened = await client.post(url + "/open", headers=district)
    assert opened.status_code == 200 and opened.json()["total_heads"] == 25


async def test_every_demo_room_has_a_building_area_and_delivered_rooms_a_delivery_date(db, city):
    async with db.session(Scope.everything("test check")) as session:
        rooms = (await session.scalars(select(Room))).all()
    assert rooms and all(r.building_area is not None and r.building_area >= r.exclusive_area for r in rooms)
    assert all((r.delivered_on is None) == r.developer_held for r in rooms)
