"""Completing a work order emits ``co_building.request.completed`` (declared in the plugin's event catalogue) with the
request's number, kind, category, the resident it was filed for and the room, so quality can send a follow-up survey."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core import clock
from core.db import Scope
from core.events.catalogue import declared
from core.events.models import OutboxEvent

MONDAY_10 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)  # 10:00 in Asia/Shanghai, a working day
FIELDS = {"request_id", "number", "kind", "category", "filed_for_user_id", "room_id"}


@pytest.fixture(autouse=True)
def monday():
    with clock.frozen_at(MONDAY_10):
        yield


def _url(city, *rest: str) -> str:
    return "/".join([f"/api/v1/compounds/{city.compounds['A1']}/co_building/requests", *rest]).rstrip("/") + ("/" if not rest else "")


async def _completed(db, request_id: str) -> list[OutboxEvent]:
    async with db.session(Scope.everything("test: completed events")) as session:
        rows = (await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "co_building.request.completed"))).all()
        return [e for e in rows if e.payload.get("request_id") == request_id]


async def test_the_completed_event_is_declared_with_its_fields(app):
    event_type = declared()["co_building.request.completed"]
    assert event_type.plugin == "co_building" and event_type.fields == FIELDS


async def test_completing_a_work_order_emits_the_completed_event_once_with_its_fields(client, as_user, city, db):
    resident, manager, staff = await as_user("resident-a1"), await as_user("ent-a-manager"), await as_user("ent-a-staff")
    rooms = await client.get(f"/api/v1/compounds/{city.compounds['A1']}/co_building/my-rooms", headers=resident)
    room_id = rooms.json()["items"][0]["room_id"]
    body = {
        "kind": "repair",
        "category": "plumbing",
        "title": "卫生间地漏堵塞",
        "description": "积水排不下去",
        "location": "room",
        "room_id": room_id,
    }
    filed = await client.post(_url(city), json=body, headers=resident)
    assert filed.status_code == 201, filed.text
    order = filed.json()
    rid = order["id"]

    async def move(headers, action, **extra):
        r = await client.post(_url(city, rid, "transitions"), json={"action": action, **extra}, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    await move(manager, "assign", assignee_user_id=str(city.users["ent-a-staff"]))
    await move(staff, "accept")
    await move(staff, "start")
    assert await _completed(db, rid) == []  # nothing before the order is completed
    assert (await move(staff, "complete", note="疏通地漏"))["state"] == "completed"

    events = await _completed(db, rid)
    assert len(events) == 1
    event = events[0]
    assert set(event.payload) == FIELDS
    assert event.payload == {
        "request_id": rid,
        "number": order["number"],
        "kind": "repair",
        "category": "plumbing",
        "filed_for_user_id": str(city.users["resident-a1"]),
        "room_id": room_id,
    }
    assert event.compound_id == city.compounds["A1"] and event.actor_user_id == city.users["ent-a-staff"]
