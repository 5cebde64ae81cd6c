"""Featured services (物业特色服务): catalogue rules, bookings within capacity, cancellation windows, the service desk's moves."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from core import clock
from core.db import Scope
from core.notifications.models import Notification
from core.problems import Problem
from plugins.co_building.models.featured import FeaturedService, ServiceBooking, ServiceSlot
from plugins.co_building.schemas import featured as s
from plugins.co_building.services import featured as services
from tests.plugins.co_building.support_featured_volunteers import count, resident_principal, resident_user, staff_principal

C = "/api/v1/compounds/{}/co_building"


def _at(hours: float) -> str:
    return (clock.now() + dt.timedelta(hours=hours)).isoformat()


async def _service_with_slot(client, headers, compound, *, capacity=1, price=3000, window=24, starts_in_hours=48.0):
    r = await client.post(
        C.format(compound) + "/services",
        json={"name": f"上门维修 {uuid.uuid4().hex[:6]}", "category": "home_repair", "price_fen": price, "cancel_before_hours": window},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    service = r.json()
    r = await client.post(
        C.format(compound) + f"/services/{service['id']}/slots",
        json={"starts_at": _at(starts_in_hours), "ends_at": _at(starts_in_hours + 2), "capacity": capacity},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return service, r.json()


async def test_catalogue_lists_the_demo_services_with_prices_in_fen(client, as_user, city):
    r = await client.get(C.format(city.compounds["A1"]) + "/services", headers=await as_user("resident-a1"))
    assert r.status_code == 200
    by_name = {i["name"]: i for i in r.json()["items"]}
    assert by_name["家政保洁"]["price_fen"] == 8000 and by_name["快递代收代存"]["price_fen"] == 0
    slots = await client.get(
        C.format(city.compounds["A1"]) + f"/services/{by_name['上门维修']['id']}/slots", headers=await as_user("resident-a1")
    )
    assert (
        slots.status_code == 200
        and slots.json()["total"] == 3
        and all(x["free"] == x["capacity"] - x["booked"] for x in slots.json()["items"])
    )


@pytest.mark.parametrize("field,value", [("price_fen", -1), ("cancel_before_hours", -5), ("price_fen", 10_000_001)])
async def test_bad_prices_and_windows_are_refused_and_nothing_is_written(client, as_user, city, db, field, value):
    before = await count(db, FeaturedService)
    body = {"name": "测试服务", "category": "cleaning", "price_fen": 100, field: value}
    r = await client.post(C.format(city.compounds["A1"]) + "/services", json=body, headers=await as_user("ent-a-admin"))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == field
    assert await count(db, FeaturedService) == before


async def test_a_float_price_is_refused_as_bad_input(client, as_user, city, db):
    before = await count(db, FeaturedService)
    r = await client.post(
        C.format(city.compounds["A1"]) + "/services",
        json={"name": "x", "category": "cleaning", "price_fen": 12.5},
        headers=await as_user("ent-a-admin"),
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "price_fen"
    assert await count(db, FeaturedService) == before


async def test_residents_cannot_change_the_catalogue(client, as_user, city):
    r = await client.post(
        C.format(city.compounds["A1"]) + "/services",
        json={"name": "x", "category": "cleaning", "price_fen": 1},
        headers=await as_user("resident-a1"),
    )
    assert r.status_code == 403


async def test_slot_rules(client, as_user, city, db):
    h = await as_user("ent-a-admin")
    service, _ = await _service_with_slot(client, h, city.compounds["A1"])
    before = await count(db, ServiceSlot)
    url = C.format(city.compounds["A1"]) + f"/services/{service['id']}/slots"
    for body, field in (
        ({"starts_at": _at(-1), "ends_at": _at(1), "capacity": 1}, "starts_at"),
        ({"starts_at": _at(5), "ends_at": _at(4), "capacity": 1}, "ends_at"),
        ({"starts_at": _at(5), "ends_at": _at(6), "capacity": 0}, "capacity"),
    ):
        r = await client.post(url, json=body, headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    assert await count(db, ServiceSlot) == before


async def test_a_slot_without_an_offset_is_the_compounds_local_time(db, city):
    a1 = city.compounds["A1"]
    async with db.transaction(Scope.of([a1])) as session:
        service = await services.create_service(session, a1, s.ServiceIn(name="理发", category="other", price_fen=1500))
        local = (
            (clock.now() + dt.timedelta(days=2))
            .astimezone(dt.timezone(dt.timedelta(hours=8)))
            .replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=None)
        )
        slot = await services.add_slot(
            session, a1, service.id, s.SlotIn(starts_at=local, ends_at=local + dt.timedelta(hours=1), capacity=2)
        )
    assert slot.starts_at.astimezone(dt.UTC).hour == 1  # 09:00 in Shanghai is 01:00 UTC


async def test_booking_past_capacity_is_refused_and_nothing_is_written(client, as_user, city, db, app):
    a1 = city.compounds["A1"]
    service, slot = await _service_with_slot(client, await as_user("ent-a-admin"), a1, capacity=1)
    first = await client.post(
        C.format(a1) + "/bookings", json={"slot_id": slot["id"], "note": "厨房水龙头漏水"}, headers=await as_user("resident-a1")
    )
    assert first.status_code == 201, first.text
    assert first.json()["price_fen"] == 3000 and first.json()["status"] == "booked"
    await resident_user(app, db, city, "owner-two")
    before = await count(db, ServiceBooking)
    second = await client.post(C.format(a1) + "/bookings", json={"slot_id": slot["id"]}, headers=await as_user("owner-two"))
    assert second.status_code == 409 and second.json()["type"].endswith("/slot-full")
    assert second.json()["errors"][0]["field"] == "slot_id"
    assert await count(db, ServiceBooking) == before
    async with db.session(Scope.everything("test")) as session:
        assert (await session.get(ServiceSlot, (a1, uuid.UUID(slot["id"])))).booked == 1


async def test_a_second_booking_of_the_same_slot_is_refused(client, as_user, city, db):
    a1 = city.compounds["A1"]
    _, slot = await _service_with_slot(client, await as_user("ent-a-admin"), a1, capacity=5)
    h = await as_user("resident-a1")
    assert (await client.post(C.format(a1) + "/bookings", json={"slot_id": slot["id"]}, headers=h)).status_code == 201
    before = await count(db, ServiceBooking)
    again = await client.post(C.format(a1) + "/bookings", json={"slot_id": slot["id"]}, headers=h)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "slot_id"
    assert await count(db, ServiceBooking) == before


async def test_staff_book_for_a_resident_and_residents_see_only_their_own(client, as_user, city, db, app):
    a1 = city.compounds["A1"]
    _, slot = await _service_with_slot(client, await as_user("ent-a-admin"), a1, capacity=5)
    _, other = await resident_user(app, db, city, "owner-three")
    r = await client.post(
        C.format(a1) + "/bookings", json={"slot_id": slot["id"], "resident_id": str(other)}, headers=await as_user("ent-a-manager")
    )
    assert r.status_code == 201 and r.json()["resident_id"] == str(other)
    mine = (await client.get(C.format(a1) + "/bookings", headers=await as_user("resident-a1"))).json()["items"]
    assert all(b["resident_id"] != str(other) for b in mine)
    theirs = (await client.get(C.format(a1) + "/bookings", headers=await as_user("owner-three"))).json()["items"]
    assert [b["id"] for b in theirs] == [r.json()["id"]]
    everything = (await client.get(C.format(a1) + "/bookings", params={"limit": 500}, headers=await as_user("ent-a-admin"))).json()
    assert everything["total"] > len(theirs)


async def test_free_cancellation_until_the_window_then_409(client, as_user, city, db):
    a1 = city.compounds["A1"]
    _, slot = await _service_with_slot(client, await as_user("ent-a-admin"), a1, capacity=2, window=24, starts_in_hours=48)
    h = await as_user("resident-a1")
    booking = (await client.post(C.format(a1) + "/bookings", json={"slot_id": slot["id"]}, headers=h)).json()
    # 20 hours later the slot is 28 hours away: still free to cancel
    clock.advance(dt.timedelta(hours=20))
    h = await as_user("resident-a1")  # a new token: the old one has expired meanwhile
    ok = await client.post(C.format(a1) + f"/bookings/{booking['id']}/cancel", json={}, headers=h)
    assert ok.status_code == 200 and ok.json()["status"] == "cancelled"
    again = (await client.post(C.format(a1) + "/bookings", json={"slot_id": slot["id"]}, headers=h)).json()
    # 10 more hours: 18 hours before the slot, inside the 24-hour window
    clock.advance(dt.timedelta(hours=10))
    h = await as_user("resident-a1")
    late = await client.post(C.format(a1) + f"/bookings/{again['id']}/cancel", json={}, headers=h)
    assert late.status_code == 409 and late.json()["type"].endswith("/cancellation-window-closed")
    assert late.json()["cancel_before_hours"] == 24 and "service desk" in late.json()["detail"]
    async with db.session(Scope.everything("test")) as session:
        assert (await session.get(ServiceBooking, (a1, uuid.UUID(again["id"])))).status == "booked"
        assert (await session.get(ServiceSlot, (a1, uuid.UUID(slot["id"])))).booked == 1
    # the service desk still may, with a reason, and the resident is told
    missing = await client.post(C.format(a1) + f"/bookings/{again['id']}/cancel", json={}, headers=await as_user("ent-a-manager"))
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    staff = await client.post(
        C.format(a1) + f"/bookings/{again['id']}/cancel", json={"reason": "维修师傅临时有事"}, headers=await as_user("ent-a-manager")
    )
    assert staff.status_code == 200 and staff.json()["cancel_reason"] == "维修师傅临时有事"
    async with db.session(Scope.everything("test")) as session:
        told = (
            await session.scalars(
                select(Notification).where(
                    Notification.user_id == city.users["resident-a1"], Notification.kind == "co_building.booking.cancelled"
                )
            )
        ).all()
        assert len(told) == 1
        assert (await session.get(ServiceSlot, (a1, uuid.UUID(slot["id"])))).booked == 0


async def test_service_desk_moves_and_409_naming_the_allowed_ones(client, as_user, city):
    a1 = city.compounds["A1"]
    _, slot = await _service_with_slot(client, await as_user("ent-a-admin"), a1, capacity=2, starts_in_hours=3)
    booking = (await client.post(C.format(a1) + "/bookings", json={"slot_id": slot["id"]}, headers=await as_user("resident-a1"))).json()
    staff = await as_user("ent-a-manager")
    early = await client.post(C.format(a1) + f"/bookings/{booking['id']}/complete", headers=staff)
    assert early.status_code == 409 and early.json()["allowed"] == ["cancel", "confirm"]
    resident = await client.post(C.format(a1) + f"/bookings/{booking['id']}/confirm", headers=await as_user("resident-a1"))
    assert resident.status_code == 403
    assert (await client.post(C.format(a1) + f"/bookings/{booking['id']}/confirm", headers=staff)).json()["status"] == "confirmed"
    not_yet = await client.post(C.format(a1) + f"/bookings/{booking['id']}/complete", headers=staff)
    assert not_yet.status_code == 409 and not_yet.json()["type"].endswith("/slot-not-started")
    clock.advance(dt.timedelta(hours=4))
    staff = await as_user("ent-a-manager")
    done = await client.post(C.format(a1) + f"/bookings/{booking['id']}/complete", headers=staff)
    assert done.status_code == 200 and done.json()["status"] == "completed"
    cancel = await client.post(C.format(a1) + f"/bookings/{booking['id']}/cancel", json={"reason": "x"}, headers=staff)
    assert cancel.status_code == 409 and cancel.json()["allowed"] == []


async def test_price_changes_do_not_touch_existing_bookings(db, city):
    a1 = city.compounds["A1"]
    async with db.transaction(Scope.of([a1])) as session:
        service = await services.create_service(session, a1, s.ServiceIn(name="擦玻璃", category="cleaning", price_fen=5000))
        slot = await services.add_slot(
            session,
            a1,
            service.id,
            s.SlotIn(starts_at=clock.now() + dt.timedelta(days=3), ends_at=clock.now() + dt.timedelta(days=3, hours=1), capacity=3),
        )
        booking = await services.book(session, resident_principal(city), a1, s.BookingIn(slot_id=slot.id), for_others=False)
        await services.update_service(session, a1, service.id, s.ServicePatch(price_fen=6000))
    assert booking.price_fen == 5000 and service.price_fen == 6000


async def test_a_resident_of_another_compound_cannot_book_here(db, city):
    a1 = city.compounds["A1"]
    async with db.transaction(Scope.of([a1])) as session:
        service = await services.create_service(session, a1, s.ServiceIn(name="修鞋", category="other", price_fen=500))
        slot = await services.add_slot(
            session,
            a1,
            service.id,
            s.SlotIn(starts_at=clock.now() + dt.timedelta(days=3), ends_at=clock.now() + dt.timedelta(days=3, hours=1), capacity=3),
        )
        with pytest.raises(Problem) as caught:
            await services.book(
                session, staff_principal(city, "ent-b-admin", "B", ("B1",)), a1, s.BookingIn(slot_id=slot.id), for_others=False
            )
    assert caught.value.status == 422 and caught.value.extra["errors"][0]["field"] == "resident_id"


async def test_the_module_gate_answers_403_where_co_building_is_off(client, as_user, city):
    r = await client.get(C.format(city.compounds["B2"]) + "/services", headers=await as_user("ent-b-admin"))
    assert r.status_code == 403 and r.json()["type"].endswith("/module-disabled")
