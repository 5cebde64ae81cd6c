"""Property fees: items, bills per room and period, payments once per Idempotency-Key, offline provider, arrears, reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import clock
from core.db import Scope
from plugins.co_building.models.fees import Bill, FeeItem, Payment
from plugins.co_building.services.fees import to_fen

NOV_30 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(NOV_30):
        yield


def base(city, key="A1") -> str:
    return f"/api/v1/compounds/{city.compounds[key]}/co_building"


async def count(db, model) -> int:
    async with db.session(Scope.everything("test")) as session:
        return await session.scalar(select(func.count()).select_from(model))


def test_yuan_to_fen_rounds_half_up():
    assert to_fen(Decimal("112.45") * Decimal("1.85")) == 20803  # 208.0325 yuan
    assert to_fen(Decimal("0.005")) == 1 and to_fen(Decimal("0.0049")) == 0


async def _new_compound_items(client, city, admin):
    r = await client.post(base(city) + "/fee-items/", json={"name": "电梯运行费", "kind": "area", "unit_price": "0.35"}, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()


async def test_bills_are_issued_per_room_once_and_paid_once_per_key(client, as_user, city, db):
    admin, resident = await as_user("ent-a-admin"), await as_user("resident-a1")
    await _new_compound_items(client, city, admin)
    first = await client.post(base(city) + "/bills/generate", json={"period": "2027-01"}, headers=admin)
    assert first.status_code == 200 and first.json()["created"] == len(city.rooms["A1"])
    again = await client.post(base(city) + "/bills/generate", json={"period": "2027-01"}, headers=admin)
    assert again.json()["created"] == 0 and again.json()["skipped"] == len(city.rooms["A1"])

    mine = (await client.get(base(city) + "/bills?period=2027-01", headers=resident)).json()
    assert mine["total"] == 1  # a resident sees their own room's bills only
    bill = (await client.get(base(city) + f"/bills/{mine['items'][0]['id']}", headers=resident)).json()
    assert bill["amount_fen"] == sum(line["amount_fen"] for line in bill["lines"]) and bill["status"] == "unpaid"
    assert {line["description"].split(" ")[0] for line in bill["lines"]} >= {"电梯运行费"}

    payments_before = await count(db, Payment)
    key = {"Idempotency-Key": "counter-0001"}
    pay = {"amount_fen": 1000, "method": "cash"}
    r1 = await client.post(base(city) + f"/bills/{bill['id']}/payments", json=pay, headers={**admin, **key})
    r2 = await client.post(base(city) + f"/bills/{bill['id']}/payments", json=pay, headers={**admin, **key})
    assert r1.status_code == 201 and r2.status_code == 201 and r1.json()["id"] == r2.json()["id"]
    assert r1.json()["receipt_no"].startswith("R20261130") and r1.json()["status"] == "succeeded"
    assert await count(db, Payment) == payments_before + 1
    after = (await client.get(base(city) + f"/bills/{bill['id']}", headers=admin)).json()
    assert after["paid_fen"] == 1000 and after["status"] == "partial"
    # the same key for another payment is a conflict; nothing is written
    clash = await client.post(
        base(city) + f"/bills/{bill['id']}/payments", json={"amount_fen": 999, "method": "cash"}, headers={**admin, **key}
    )
    assert clash.status_code == 409 and await count(db, Payment) == payments_before + 1


async def test_bad_payments_and_prices_write_nothing(client, as_user, city, db):
    admin, resident = await as_user("ent-a-admin"), await as_user("resident-a1")
    items = await count(db, FeeItem)
    for body, field in (
        ({"name": "负数", "kind": "fixed", "unit_price": "-1"}, "unit_price"),
        ({"name": "零", "kind": "fixed", "unit_price": "0"}, "unit_price"),
        ({"name": "精度", "kind": "fixed", "unit_price": "1.00001"}, "unit_price"),
    ):
        r = await client.post(base(city) + "/fee-items/", json=body, headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
    assert await count(db, FeeItem) == items
    await _new_compound_items(client, city, admin)
    await client.post(base(city) + "/bills/generate", json={"period": "2027-02"}, headers=admin)
    bill = (await client.get(base(city) + "/bills?period=2027-02", headers=resident)).json()["items"][0]
    payments = await count(db, Payment)
    url = base(city) + f"/bills/{bill['id']}/payments"
    for body, field in (
        ({"amount_fen": -100, "method": "cash"}, "amount_fen"),
        ({"amount_fen": 0, "method": "cash"}, "amount_fen"),
        ({"amount_fen": bill["amount_fen"] + 1, "method": "cash"}, "amount_fen"),
        ({"amount_fen": 100, "method": "provider", "provider": "wechat"}, "provider"),
    ):
        r = await client.post(url, json=body, headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    r = await client.post(url, json={"amount_fen": 100, "method": "cash"}, headers=resident)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "method"  # residents pay through a provider
    assert (await client.post(url, json={"amount_fen": "abc", "method": "cash"}, headers=admin)).status_code == 400
    assert await count(db, Payment) == payments


async def test_a_resident_pays_offline_and_staff_confirm_the_money(client, as_user, city):
    admin, resident, neighbour = await as_user("ent-a-admin"), await as_user("resident-a1"), await as_user("resident-a1b")
    await _new_compound_items(client, city, admin)
    await client.post(base(city) + "/bills/generate", json={"period": "2027-03"}, headers=admin)
    bill = (await client.get(base(city) + "/bills?period=2027-03", headers=resident)).json()["items"][0]
    providers = (await client.get(base(city) + "/payment-providers", headers=resident)).json()["items"]
    assert [p["name"] for p in providers] == ["offline"]
    r = await client.post(
        base(city) + f"/bills/{bill['id']}/payments",
        json={"amount_fen": bill["amount_fen"], "method": "provider", "provider": "offline"},
        headers={**resident, "Idempotency-Key": "app-1"},
    )
    assert r.status_code == 201, r.text
    started = r.json()
    assert started["status"] == "pending" and started["receipt_no"] is None and started["provider_reference"] in started["instructions"]
    # while pending, the same money cannot be started twice
    again = await client.post(
        base(city) + f"/bills/{bill['id']}/payments",
        json={"amount_fen": bill["amount_fen"], "method": "provider", "provider": "offline"},
        headers=resident,
    )
    assert again.status_code == 422
    # a neighbour cannot pay or see this bill; a resident cannot confirm
    assert (await client.get(base(city) + f"/bills/{bill['id']}", headers=neighbour)).status_code == 404
    assert (await client.post(base(city) + f"/payments/{started['id']}/confirm", headers=resident)).status_code == 403
    done = await client.post(base(city) + f"/payments/{started['id']}/confirm", headers=admin)
    assert done.status_code == 200 and done.json()["status"] == "succeeded" and done.json()["receipt_no"]
    assert (await client.post(base(city) + f"/payments/{started['id']}/confirm", headers=admin)).status_code == 409
    assert (await client.get(base(city) + f"/bills/{bill['id']}", headers=resident)).json()["status"] == "paid"


async def test_arrears_per_building_and_weekly_reminders(client, as_user, city, db):
    admin, resident = await as_user("ent-a-admin"), await as_user("resident-a1")
    await _new_compound_items(client, city, admin)
    await client.post(base(city) + "/bills/generate", json={"period": "2026-05"}, headers=admin)  # due 2026-06-30: overdue now
    rows = (await client.get(base(city) + "/arrears", headers=admin)).json()["items"]  # paginated (issue 9)
    assert rows and sum(r["rooms_owing"] for r in rows) == len(city.rooms["A1"])  # every room owes May
    async with db.session(Scope.everything("test")) as session:
        overdue = (
            await session.execute(
                select(func.count(), func.sum(Bill.amount_fen - Bill.paid_fen)).where(
                    Bill.compound_id == city.compounds["A1"], Bill.status != "paid", Bill.due_on < NOV_30.date()
                )
            )
        ).one()
    assert sum(r["bills"] for r in rows) == overdue[0], (rows, overdue)
    assert sum(r["outstanding_fen"] for r in rows) == overdue[1]
    assert (await client.get(base(city) + "/arrears", headers=resident)).status_code == 403
    sent = (await client.post(base(city) + "/bills/reminders", headers=admin)).json()
    assert sent["bills"] == overdue[0] and sent["notified"] >= 2  # the two demo residents with accounts
    inbox = (await client.get("/api/v1/inbox/", headers=resident)).json()
    assert any("物业费缴费提醒" in n["title"] for n in inbox["items"])
    assert (await client.post(base(city) + "/bills/reminders", headers=admin)).json()["bills"] == 0  # not twice a week
    clock.advance(dt.timedelta(days=7))  # a week on: the same bills again, and November's, due on 1 December, too
    admin = await as_user("ent-a-admin")
    async with db.session(Scope.everything("test")) as session:
        now_overdue = await session.scalar(
            select(func.count())
            .select_from(Bill)
            .where(Bill.compound_id == city.compounds["A1"], Bill.status != "paid", Bill.due_on < clock.now().date())
        )
    assert now_overdue > overdue[0]
    assert (await client.post(base(city) + "/bills/reminders", headers=admin)).json()["bills"] == now_overdue


async def test_metered_items_bill_what_the_meter_read(client, as_user, city):
    admin = await as_user("ent-a-admin")
    water = (
        await client.post(
            base(city) + "/fee-items/", json={"name": "二次供水费", "kind": "metered", "unit_price": "4.6", "unit": "吨"}, headers=admin
        )
    ).json()
    room = str(city.rooms["A1"][0])
    r = await client.post(
        base(city) + "/meter-readings",
        json={"fee_item_id": water["id"], "room_id": room, "period": "2027-04", "quantity": "12.5"},
        headers=admin,
    )
    assert r.status_code == 200
    bad = await client.post(
        base(city) + "/meter-readings",
        json={"fee_item_id": water["id"], "room_id": room, "period": "2027-04", "quantity": "-1"},
        headers=admin,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "quantity"
    await client.post(base(city) + "/bills/generate", json={"period": "2027-04"}, headers=admin)
    bills = (await client.get(base(city) + "/bills?period=2027-04&limit=200", headers=admin)).json()["items"]
    bill = next(b for b in bills if b["room_id"] == room)
    lines = (await client.get(base(city) + f"/bills/{bill['id']}", headers=admin)).json()["lines"]
    water_line = next(line for line in lines if line["description"].startswith("二次供水费"))
    assert water_line["amount_fen"] == 5750  # 12.5 t × 4.60
    others = next(b for b in bills if b["room_id"] != room)
    assert not any(
        line["description"].startswith("二次供水费")
        for line in (await client.get(base(city) + f"/bills/{others['id']}", headers=admin)).json()["lines"]
    )


async def test_the_monthly_job_bills_every_room_once(db, city):
    import types

    from plugins.co_building.jobs.fees import generate_bills_job

    runtime = types.SimpleNamespace(database=lambda: db)
    with clock.frozen_at(dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.UTC)):
        created = await generate_bills_job.fn(runtime)
        assert created == len(city.rooms["A1"]) + len(city.rooms["A2"])  # the compounds with fee items
        assert await generate_bills_job.fn(runtime) == 0
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(func.count()).select_from(Bill).where(Bill.period == "2027-01")) == created
