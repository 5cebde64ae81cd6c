"""A resident hears of every change of their request and of each new bill: the inbox and its unread count (issue 15, point 5)."""

from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from tests.plugins.co_building.test_work_orders import file_repair, move

MONDAY_10 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def monday():
    with clock.frozen_at(MONDAY_10):
        yield


async def inbox(client, headers, unread_only: bool = True) -> list[dict]:
    r = await client.get(f"/api/v1/inbox/?unread_only={str(unread_only).lower()}&limit=100", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_the_resident_is_told_of_every_move_of_their_request_but_their_own(client, as_user, city):
    resident, manager, staff = await as_user("resident-a1"), await as_user("ent-a-manager"), await as_user("ent-a-staff")
    await client.post("/api/v1/inbox/read-all", headers=resident)
    order = await file_repair(client, city, resident)
    assert await inbox(client, resident) == []  # filing it is their own doing
    await move(client, city, manager, order["id"], "assign", assignee_user_id=str(city.users["ent-a-staff"]))
    for action in ("accept", "start", "complete"):
        assert (await move(client, city, staff, order["id"], action)).status_code == 200
    told = await inbox(client, resident)
    assert [n["kind"] for n in reversed(told)] == [f"co_building.request.{a}" for a in ("assign", "accept", "start", "complete")]
    assert all(order["number"] in n["title"] and n["link"].endswith(order["id"]) for n in told)
    assert "已完成，请评价" in told[0]["title"]


async def test_owners_are_told_of_a_new_bill_and_nobody_of_a_bill_with_nothing_to_pay(client, as_user, city):
    admin, resident = await as_user("ent-a-admin"), await as_user("resident-a1")
    base = f"/api/v1/compounds/{city.compounds['A1']}/co_building"
    await client.post("/api/v1/inbox/read-all", headers=resident)
    r = await client.post(base + "/fee-items/", json={"name": "电梯运行费", "kind": "area", "unit_price": "0.35"}, headers=admin)
    assert r.status_code == 201, r.text
    assert (await client.post(base + "/bills/generate", json={"period": "2027-01"}, headers=admin)).status_code == 200
    bills = [n for n in await inbox(client, resident) if n["kind"] == "co_building.bill.issued"]
    mine = (await client.get(base + "/bills?period=2027-01", headers=resident)).json()["items"]
    assert len(bills) == 1 and "2027-01" in bills[0]["title"] and bills[0]["link"].endswith(mine[0]["id"])
    # the run again issues nothing new, so tells nobody again
    assert (await client.post(base + "/bills/generate", json={"period": "2027-01"}, headers=admin)).json()["created"] == 0
    assert len([n for n in await inbox(client, resident) if n["kind"] == "co_building.bill.issued"]) == 1
