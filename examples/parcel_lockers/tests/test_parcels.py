"""Parcels through the API: check-in finds the resident by phone and notifies them, pickup codes are random, stored
as a digest and single use, bad input names its field and writes nothing, overdue notices go out once, lists do not
grow their statement count with the page size, and the indicator counts pickups within 48 hours."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal

from redprop_parcel_lockers.indicators import picked_up_within_48h
from sqlalchemy import String, Uuid, column, select, table
from sqlalchemy.ext.asyncio import create_async_engine

RESIDENT_PHONE = "13800000001"  # resident-a1 in the demo city


def base(city, key: str = "A1") -> str:
    return f"/api/v1/compounds/{city.compounds[key]}/parcel_lockers"


async def first_locker(client, city, staff) -> dict:
    lockers = (await client.get(base(city) + "/lockers", headers=staff)).json()
    assert lockers["total"] >= 1, lockers
    return lockers["items"][0]


async def check_in(client, city, staff, compartment: int, phone: str = RESIDENT_PHONE, *, by=None, **extra):
    """Check a parcel into the demo's first A1 locker (as ``by``, the staff by default)."""
    locker = await first_locker(client, city, staff)
    body = {"locker_id": locker["id"], "compartment": compartment, "phone": phone, "carrier": "顺丰速运", **extra}
    return await client.post(base(city) + "/parcels", json=body, headers=by or staff)


async def inbox(client, headers) -> list[dict]:
    return (await client.get("/api/v1/inbox?limit=100", headers=headers)).json()["items"]


PARCELS = table("parcel_lockers_parcels", column("id", Uuid), column("code_digest", String))


async def stored_digest(database_urls, parcel_id: str) -> str | None:
    """What the database keeps of a parcel's pickup code (read as the owner)."""
    engine = create_async_engine(database_urls["owner"])
    try:
        async with engine.connect() as conn:
            return await conn.scalar(select(PARCELS.c.code_digest).where(PARCELS.c.id == uuid.UUID(parcel_id)))
    finally:
        await engine.dispose()


async def test_off_where_the_district_has_not_enabled_it(client, as_user, city, enable_module):
    staff = await as_user("ent-a-admin")
    answer = await client.get(base(city, "A2") + "/lockers", headers=staff)
    assert answer.status_code == 403 and "module" in answer.json()["type"]
    await enable_module(city.compounds["A2"], "parcel_lockers")
    assert (await client.get(base(city, "A2") + "/lockers", headers=staff)).json()["total"] == 0


async def test_check_in_notifies_the_resident_and_the_code_is_single_use(client, as_user, city, worker, database_urls):
    staff, resident = await as_user("ent-a-staff"), await as_user("resident-a1")
    created = await check_in(client, city, staff, 20, tracking_number="SF0001")
    assert created.status_code == 201, created.text
    parcel = created.json()
    assert parcel["phone"] == "138****0001" and parcel["state"] == "waiting" and not parcel["code_issued"]

    assert await worker.deliver_events() >= 1
    notices = [n for n in await inbox(client, resident) if n["kind"] == "parcel_lockers.arrived"]
    assert len(notices) == 1 and "第20格" in notices[0]["body"] and notices[0]["link"].endswith("/parcel_lockers/parcels")

    first = (await client.post(base(city) + f"/my-parcels/{parcel['id']}/code", headers=resident)).json()["code"]
    second = (await client.post(base(city) + f"/my-parcels/{parcel['id']}/code", headers=resident)).json()["code"]
    assert len(second) == 6 and second.isdigit()
    digest = await stored_digest(database_urls, parcel["id"])
    assert digest == hashlib.sha256(f"{city.compounds['A1']}:{second}".encode()).hexdigest() and second not in digest

    if first != second:  # asking again replaced the first code
        stale = await client.post(base(city) + "/parcels/pickup", json={"code": first}, headers=staff)
        assert stale.status_code == 422 and stale.json()["errors"][0]["field"] == "code"
    picked = await client.post(base(city) + "/parcels/pickup", json={"code": second}, headers=staff)
    assert picked.status_code == 200, picked.text
    assert picked.json()["state"] == "picked_up" and picked.json()["locker"]
    again = await client.post(base(city) + "/parcels/pickup", json={"code": second}, headers=staff)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "code"
    assert await stored_digest(database_urls, parcel["id"]) is None
    late = await client.post(base(city) + f"/my-parcels/{parcel['id']}/code", headers=resident)
    assert late.status_code == 409, late.text  # a picked-up parcel takes no new code


async def test_bad_input_names_the_field_and_writes_nothing(client, as_user, city):
    staff = await as_user("ent-a-staff")
    before = (await client.get(base(city) + "/parcels", headers=staff)).json()["total"]
    unknown = await check_in(client, city, staff, 21, phone="13999999999")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "phone"
    too_far = await check_in(client, city, staff, 499)
    assert too_far.status_code == 422 and too_far.json()["errors"][0]["field"] == "compartment"
    malformed = await check_in(client, city, staff, 21, phone="12345")
    assert malformed.status_code in (400, 422) and "phone" in malformed.text
    assert (await check_in(client, city, staff, 21)).status_code == 201
    taken = await check_in(client, city, staff, 21)
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "compartment"
    bad_code = await client.post(base(city) + "/parcels/pickup", json={"code": "12ab"}, headers=staff)
    assert bad_code.status_code == 400 and "code" in bad_code.text
    bad_state = await client.get(base(city) + "/parcels?state=lost", headers=staff)
    assert bad_state.status_code == 422 and bad_state.json()["errors"][0]["field"] == "state"
    assert (await client.get(base(city) + "/parcels", headers=staff)).json()["total"] == before + 1


async def test_who_may_do_what(client, as_user, city):
    staff, resident, neighbour = await as_user("ent-a-staff"), await as_user("resident-a1"), await as_user("resident-a1b")
    parcel = (await check_in(client, city, staff, 22)).json()
    assert (await check_in(client, city, staff, 23, by=resident)).status_code == 403  # residents do not check parcels in
    assert (await client.get(base(city) + "/parcels", headers=resident)).status_code == 403  # nor see everyone's
    assert (await client.post(base(city) + f"/my-parcels/{parcel['id']}/code", headers=neighbour)).status_code == 404
    mine = (await client.get(base(city) + "/my-parcels", headers=neighbour)).json()["items"]
    assert parcel["id"] not in {p["id"] for p in mine}
    assert (await client.get(base(city) + "/lockers", headers=await as_user("ent-b-admin"))).status_code == 404  # not their compound


async def test_overdue_notice_goes_out_once(client, as_user, city, worker, clock):
    staff, resident = await as_user("ent-a-staff"), await as_user("resident-a1")
    assert (await check_in(client, city, staff, 24)).status_code == 201
    await worker.deliver_events()
    await worker.run("parcel_lockers.overdue_notices")
    overdue = [n for n in await inbox(client, resident) if n["kind"] == "parcel_lockers.overdue"]
    assert overdue == []  # the demo's parcels of resident-a1 are younger than 48 hours
    clock.advance(hours=49)
    resident = await as_user("resident-a1")
    await worker.run("parcel_lockers.overdue_notices")
    await worker.run("parcel_lockers.overdue_notices")
    overdue = [n for n in await inbox(client, resident) if n["kind"] == "parcel_lockers.overdue"]
    assert len(overdue) == 1, overdue
    listed = (await client.get(base(city) + "/my-parcels", headers=resident)).json()["items"]
    assert any(p["overdue"] for p in listed)


async def test_lists_do_not_grow_their_statements_with_the_page_size(client, as_user, city, count_statements):
    staff, resident = await as_user("ent-a-staff"), await as_user("resident-a1")
    for compartment in (14, 15, 16):
        assert (await check_in(client, city, staff, compartment)).status_code == 201
    for url, headers in ((base(city) + "/parcels", staff), (base(city) + "/my-parcels", resident), (base(city) + "/lockers", staff)):
        counts = []
        for limit in (1, 50):
            tries = []
            for _ in range(3):  # the least of three: the app's background pollers share the engine and may slip one in
                with count_statements() as counted:
                    answer = await client.get(f"{url}?limit={limit}", headers=headers)
                assert answer.status_code == 200 and len(answer.json()["items"]) == min(limit, answer.json()["total"])
                tries.append(counted[0])
            counts.append(min(tries))
        assert counts[0] == counts[1], (url, counts)


async def test_indicator_picked_up_within_48_hours(client, as_user, city, clock, compound_session):
    clock.set(dt.datetime(2031, 3, 2, 2, 0, tzinfo=dt.UTC))  # a day of no demo parcel
    staff = await as_user("ent-a-staff")
    ids = [(await check_in(client, city, staff, c)).json()["id"] for c in (17, 18, 19)]
    clock.advance(hours=10)
    staff, resident = await as_user("ent-a-staff"), await as_user("resident-a1")
    for parcel_id in ids[:1]:
        code = (await client.post(base(city) + f"/my-parcels/{parcel_id}/code", headers=resident)).json()["code"]
        assert (await client.post(base(city) + "/parcels/pickup", json={"code": code}, headers=staff)).status_code == 200
    clock.advance(hours=50)  # the second is picked up late, the third not at all
    staff, resident = await as_user("ent-a-staff"), await as_user("resident-a1")
    code = (await client.post(base(city) + f"/my-parcels/{ids[1]}/code", headers=resident)).json()["code"]
    assert (await client.post(base(city) + "/parcels/pickup", json={"code": code}, headers=staff)).status_code == 200

    async with compound_session(city.compounds["A1"]) as session:
        day = dt.date(2031, 3, 2)
        value = await picked_up_within_48h(session, city.compounds["A1"], day, day + dt.timedelta(days=1))
        none = await picked_up_within_48h(session, city.compounds["A1"], dt.date(2031, 4, 1), dt.date(2031, 4, 2))
    assert value == Decimal("33.33") and none is None  # one of three on time: one late, one still in its compartment after 60 h
