"""Work orders by API: the whole life, illegal moves refused, time limits breached and escalated when the clock moves."""

from __future__ import annotations

import datetime as dt
import types
import uuid

import pytest
from sqlalchemy import func, select

from core import clock
from core.db import Scope
from core.events.models import OutboxEvent
from core.notifications.models import Notification
from plugins.co_building.jobs.requests import mark_breaches_job
from plugins.co_building.models.requests import ServiceRequest

MONDAY_10 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)  # 10:00 in Asia/Shanghai, a working day


@pytest.fixture(autouse=True)
def monday():
    """Every test here starts on Monday 10:00 local time (logins included: tokens live 12 hours)."""
    with clock.frozen_at(MONDAY_10):
        yield


def url(city, *rest: str) -> str:
    return "/".join([f"/api/v1/compounds/{city.compounds['A1']}/co_building/requests", *rest]).rstrip("/") + ("/" if not rest else "")


async def _room_of(client, city, headers) -> str:
    rooms = await client.get(f"/api/v1/compounds/{city.compounds['A1']}/co_building/my-rooms", headers=headers)
    assert rooms.status_code == 200 and rooms.json()["items"], rooms.text
    return rooms.json()["items"][0]["room_id"]


async def file_repair(client, city, headers, **extra) -> dict:
    body = {
        "kind": "repair",
        "category": "plumbing",
        "title": "厨房水管漏水",
        "description": "水槽下方一直滴水",
        "location": "room",
        "room_id": await _room_of(client, city, headers),
        **extra,
    }
    r = await client.post(url(city), json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def move(client, city, headers, request_id, action, **extra):
    return await client.post(url(city, request_id, "transitions"), json={"action": action, **extra}, headers=headers)


async def test_a_work_order_lives_its_whole_life_and_refuses_illegal_moves(client, as_user, city):
    resident, manager, staff = await as_user("resident-a1"), await as_user("ent-a-manager"), await as_user("ent-a-staff")
    order = await file_repair(client, city, resident)
    rid = order["id"]
    assert order["state"] == "submitted" and order["number"].startswith("20261130-")
    assert order["response_due_at"].startswith("2026-11-30T06:00")  # 4 working hours: 14:00 local
    assert order["allowed_actions"] == ["cancel"]  # the resident may only withdraw it

    # illegal: complete a submitted order → 409 naming the allowed moves, nothing changes
    r = await move(client, city, manager, rid, "complete")
    assert r.status_code == 409
    assert r.json()["allowed"] == ["assign", "cancel"] and r.json()["state"] == "submitted"
    # the resident may not dispatch; an assignment needs an assignee from the operator's staff
    assert (await move(client, city, resident, rid, "assign", assignee_user_id=str(city.users["ent-a-staff"]))).status_code == 403
    bad = await move(client, city, manager, rid, "assign", assignee_user_id=str(city.users["resident-a1"]))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "assignee_user_id"
    assert (await move(client, city, manager, rid, "assign")).status_code == 422

    r = await move(client, city, manager, rid, "assign", assignee_user_id=str(city.users["ent-a-staff"]), note="请尽快上门")
    assert r.status_code == 200 and r.json()["state"] == "assigned" and r.json()["assignee_name"] == "红城物业维修工"
    clock.advance(dt.timedelta(minutes=30))
    assert (await move(client, city, staff, rid, "start")).status_code == 409  # accept first
    r = await move(client, city, staff, rid, "accept")
    assert r.json()["state"] == "accepted" and r.json()["responded_at"] is not None
    assert (await move(client, city, staff, rid, "start")).json()["state"] == "in_progress"
    # a rating before completion is refused
    early = await client.post(url(city, rid, "rating"), json={"rating": 5}, headers=resident)
    assert early.status_code == 409 and early.json()["allowed"] == ["complete", "reassign"]
    r = await move(client, city, staff, rid, "complete", note="更换了水管接头")
    assert r.json()["state"] == "completed"
    # only the resident rates; ratings are 1-5
    assert (await client.post(url(city, rid, "rating"), json={"rating": 5}, headers=staff)).status_code == 403
    assert (await client.post(url(city, rid, "rating"), json={"rating": 6}, headers=resident)).status_code == 400
    r = await client.post(url(city, rid, "rating"), json={"rating": 5, "tags": ["及时", "专业"], "comment": "师傅很负责"}, headers=resident)
    assert r.status_code == 200 and r.json()["state"] == "rated" and r.json()["rating_tags"] == ["及时", "专业"]
    r = await move(client, city, manager, rid, "close")
    assert r.json()["state"] == "closed"
    assert (await move(client, city, manager, rid, "reopen")).json()["allowed"] == []

    detail = (await client.get(url(city, rid), headers=resident)).json()
    assert [e["action"] for e in detail["timeline"]] == ["file", "assign", "accept", "start", "complete", "rate", "close"]
    assert all(e["actor"] for e in detail["timeline"]) and detail["timeline"][1]["note"] == "请尽快上门"
    assert not detail["response_breached"] and not detail["completion_breached"]


async def test_a_low_rating_reopens_to_the_manager_for_a_return_visit(client, as_user, city):
    resident, manager, staff = await as_user("resident-a1"), await as_user("ent-a-manager"), await as_user("ent-a-staff")
    rid = (await file_repair(client, city, resident))["id"]
    await move(client, city, manager, rid, "assign", assignee_user_id=str(city.users["ent-a-staff"]))
    for action in ("accept", "start", "complete"):
        assert (await move(client, city, staff, rid, action)).status_code == 200
    r = await client.post(url(city, rid, "rating"), json={"rating": 1, "comment": "还在漏"}, headers=resident)
    body = r.json()
    assert body["state"] == "assigned" and body["return_visit_due"] and body["reopen_count"] == 1
    assert body["assignee_user_id"] == str(city.users["ent-a-manager"])  # back to who dispatched it
    assert (await client.post(url(city, rid, "return-visit"), json={"note": "已电话回访，明天再修"}, headers=staff)).status_code == 403
    r = await client.post(url(city, rid, "return-visit"), json={"note": "已电话回访，明天再修"}, headers=manager)
    assert r.status_code == 200 and not r.json()["return_visit_due"]
    assert (await client.post(url(city, rid, "return-visit"), json={"note": "again"}, headers=manager)).status_code == 409


async def test_a_breach_escalates_to_the_manager_then_the_enterprise_admin(client, as_user, city, db):
    resident = await as_user("resident-a1")
    runtime = types.SimpleNamespace(database=lambda: db)
    # the demo's open orders are late already: mark them first, so what follows is this order's alone
    await mark_breaches_job.fn(runtime)
    # a lamp, counted in office hours (a leak would run on the clock: see test_time_limit_basis)
    rid = (await file_repair(client, city, resident, category="electrical", title="客厅灯不亮"))["id"]

    async def breach_notes(user: str) -> int:
        async with db.session(Scope.everything("test")) as session:
            return await session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(
                    Notification.user_id == city.users[user],
                    Notification.kind == "co_building.request.breach",
                    Notification.link.like(f"%{rid}"),
                )
            )

    async def level() -> int:
        async with db.session(Scope.everything("test")) as session:
            return await session.scalar(select(ServiceRequest.escalation_level).where(ServiceRequest.id == uuid.UUID(rid)))

    assert await mark_breaches_job.fn(runtime) == 0  # nothing is late yet
    clock.advance(dt.timedelta(hours=3, minutes=59))
    await mark_breaches_job.fn(runtime)
    assert await level() == 0 and await breach_notes("ent-a-manager") == 0
    clock.advance(dt.timedelta(minutes=2))  # 14:01: the 4-hour response limit has passed
    await mark_breaches_job.fn(runtime)
    assert await level() == 1
    assert await breach_notes("ent-a-manager") == 1 and await breach_notes("ent-a-admin") == 0
    await mark_breaches_job.fn(runtime)  # idempotent
    assert await breach_notes("ent-a-manager") == 1
    clock.advance(dt.timedelta(hours=3))  # 17:01, 3 office hours after the breach: still level 1
    await mark_breaches_job.fn(runtime)
    assert await level() == 1
    clock.advance(dt.timedelta(hours=17))  # Tuesday 10:01: 4 office hours after the breach are over
    resident = await as_user("resident-a1")  # a new day, a new login
    await mark_breaches_job.fn(runtime)
    assert await level() == 2
    assert await breach_notes("ent-a-admin") == 1 and await breach_notes("ent-a-manager") == 1
    detail = (await client.get(url(city, rid), headers=resident)).json()
    assert detail["response_breached"] and detail["escalation_level"] == 2
    assert [e["action"] for e in detail["timeline"]] == ["file", "breach", "escalate", "escalate"]


async def test_the_tenant_sets_time_limits_per_category_and_priority(client, as_user, city):
    admin, resident = await as_user("ent-a-admin"), await as_user("resident-a1")
    r = await client.put(
        "/api/v1/co_building/time-limits",
        json={"category": "plumbing", "priority": "normal", "response_hours": 2, "completion_hours": 8, "basis": "working_hours"},
        headers=admin,
    )
    assert r.status_code == 200 and r.json()["source"] == "tenant"
    bad = await client.put(
        "/api/v1/co_building/time-limits",
        json={"category": "plumbing", "priority": "normal", "response_hours": 8, "completion_hours": 2},
        headers=admin,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "completion_hours"
    order = await file_repair(client, city, resident)
    assert order["response_due_at"].startswith("2026-11-30T04:00")  # 12:00 local
    assert order["completion_due_at"].startswith("2026-11-30T09:30") or order["completion_due_at"].startswith("2026-12-01T01:30")


async def test_bad_requests_write_nothing(client, as_user, city, db):
    resident = await as_user("resident-a1")

    async def count() -> int:
        async with db.session(Scope.everything("test")) as session:
            return await session.scalar(select(func.count()).select_from(ServiceRequest))

    before = await count()
    cases = [
        ({"kind": "repair", "category": "plumbing", "title": "x", "location": "room"}, "room_id", 422),
        (
            {"kind": "repair", "category": "plumbing", "title": "x", "location": "public", "room_id": str(city.rooms["A1"][0])},
            "room_id",
            422,
        ),
        ({"kind": "fix", "category": "plumbing", "title": "x", "location": "public"}, "kind", 400),
        ({"kind": "repair", "category": "plumbing", "title": "", "location": "public"}, "title", 400),
        ({"kind": "repair", "category": "plumbing", "title": "x", "location": "public", "channel": "phone"}, "channel", 422),
        (
            {"kind": "repair", "category": "plumbing", "title": "x", "location": "public", "resident_id": str(city.owners["A1"][0])},
            "resident_id",
            422,
        ),
    ]
    for body, field, status in cases:
        r = await client.post(url(city), json=body, headers=resident)
        assert r.status_code == status, (body, r.text)
        assert field in {e["field"].split(".")[-1] for e in r.json().get("errors", [])} or field in r.text, r.text
    # someone else's room
    mine = await _room_of(client, city, resident)
    other = next(room for room in city.rooms["A1"] if str(room) != mine)
    r = await client.post(
        url(city),
        json={"kind": "repair", "category": "plumbing", "title": "x", "location": "room", "room_id": str(other)},
        headers=resident,
    )
    assert r.status_code == 422
    assert await count() == before


async def test_staff_file_for_a_caller_and_residents_join_public_requests(client, as_user, city, db):
    staff, resident, neighbour = await as_user("ent-a-staff"), await as_user("resident-a1"), await as_user("resident-a1b")
    r = await client.post(
        url(city),
        json={
            "kind": "complaint",
            "category": "greening",
            "title": "3号楼旁绿地被占用",
            "location": "public",
            "channel": "phone",
            "resident_id": str(await _resident_id(db, city, "resident-a1")),
        },
        headers=staff,
    )
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["channel"] == "phone" and order["contact_name"] == "张建国"
    mine = (await client.get(url(city) + "?mine=true", headers=resident)).json()
    assert order["id"] in {o["id"] for o in mine["items"]}
    # the neighbour sees the public request with the contact masked, and joins it once
    seen = (await client.get(url(city, order["id"]), headers=neighbour)).json()
    assert seen["contact_phone"] != "13800000001" and "*" in (seen["contact_phone"] or "*")
    r = await client.post(url(city, order["id"], "me-too"), headers=neighbour)
    assert r.status_code == 200 and r.json()["me_too_count"] == 1
    again = await client.post(url(city, order["id"], "me-too"), headers=neighbour)
    assert again.status_code == 409
    assert (await client.post(url(city, order["id"], "me-too"), headers=resident)).status_code == 409  # their own
    # a room request of someone else stays invisible
    private = await file_repair(client, city, resident)
    assert (await client.get(url(city, private["id"]), headers=neighbour)).status_code == 404


async def test_a_request_beyond_the_company_s_powers_goes_to_coordination_and_shows_its_progress(client, as_user, city, db, plugin_host):
    from core.events.services import event_dict
    from plugins.co_building.services import react

    resident, manager = await as_user("resident-a1"), await as_user("ent-a-manager")
    order = await file_repair(client, city, resident, kind="complaint", category="noise", title="楼下商铺夜间噪音扰民")
    r = await client.post(url(city, order["id"], "handover"), json={"reason": "商铺噪音需城管执法"}, headers=manager)
    assert r.status_code == 200 and r.json()["beyond_powers"] and r.json()["case_status"] == "requested"
    assert (await client.post(url(city, order["id"], "handover"), json={"reason": "again"}, headers=manager)).status_code == 409
    async with db.session(Scope.everything("test")) as session:
        events = (await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "co_building.request.handed_over"))).all()
        event = next(e for e in events if e.payload["request_id"] == order["id"])
        assert event.compound_id == city.compounds["A1"]
        assert event_dict(event)["payload"]["reason"] == "商铺噪音需城管执法"
    # coordination reports progress; the resident sees it on the same request
    update = {
        "type": "coordination.case.updated",
        "compound_id": str(city.compounds["A1"]),
        "payload": {
            "source": "co_building.request",
            "source_id": order["id"],
            "status": "dispatched",
            "reference": "XT-2026-0001",
            "note": "已派城管中队",
            "by": "文峰区城管执法",
        },
    }
    reaction = react(update)
    async with db.transaction(Scope.everything("test")) as session:
        await reaction(session)
    seen = (await client.get(url(city, order["id"]), headers=resident)).json()
    assert seen["case_status"] == "dispatched" and seen["case_reference"] == "XT-2026-0001"
    assert seen["timeline"][-1]["action"] == "case_update" and "已派城管中队" in seen["timeline"][-1]["note"]
    assert react({"type": "coordination.case.updated", "payload": {"source": "other"}}) is None


async def _resident_id(db, city, username):
    from tenants.models import Resident

    async with db.session(Scope.everything("test")) as session:
        return await session.scalar(select(Resident.id).where(Resident.user_id == city.users[username]))


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def test_photos_of_a_private_request_stay_with_its_resident_and_staff(client, as_user, city):
    """The attachments API narrows by the request's visibility, not only by the permission on the record type."""
    resident, neighbour, staff = await as_user("resident-a1"), await as_user("resident-a1b"), await as_user("ent-a-staff")
    order = await file_repair(client, city, resident)
    files = f"/api/v1/compounds/{city.compounds['A1']}/attachments/"
    up = await client.post(
        files,
        data={"record_type": "co_building.request", "record_id": order["id"]},
        files={"file": ("leak.png", PNG, "image/png")},
        headers=resident,
    )
    assert up.status_code == 201, up.text
    photo = up.json()["id"]
    listed = lambda r: [a["id"] for a in r.json()["items"]]  # noqa: E731
    assert photo in listed(await client.get(files + "?record_type=co_building.request", headers=resident))
    assert photo in listed(await client.get(files + "?record_type=co_building.request", headers=staff))
    assert photo not in listed(await client.get(files + "?record_type=co_building.request", headers=neighbour))
    assert photo not in listed(await client.get(files, headers=neighbour))
    assert (await client.get(files + photo, headers=neighbour)).status_code == 404
    assert (await client.get(files + photo, headers=staff)).status_code == 200
    # nor may the neighbour attach files to it
    other = await client.post(
        files,
        data={"record_type": "co_building.request", "record_id": order["id"]},
        files={"file": ("x.png", PNG, "image/png")},
        headers=neighbour,
    )
    assert other.status_code == 404
