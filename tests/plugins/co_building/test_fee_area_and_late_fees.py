"""Fees on the right area and late fees (issue 14, point 6): a fee item charges on the building area (建筑面积) or the
exclusive area (专有部分面积); a late fee (滞纳金) is a daily rate on the outstanding amount from the due date, capped,
shown on the bill in whole fen rounded half up once — checked against sums done by hand."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import update

from core import clock
from core.db import Scope
from plugins.co_building.models.fees import FeeItem, FeeTerms
from plugins.co_building.services.fees import late_fee
from tenants.models import Room

NOV_30 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def base(city) -> str:
    return f"/api/v1/compounds/{city.compounds['A1']}/co_building"


def terms(rate: str, cap: str, grace: int = 0) -> FeeTerms:
    return FeeTerms(late_fee_daily_rate=Decimal(rate), late_fee_cap_rate=Decimal(cap), grace_days=grace)


def test_late_fees_by_hand():
    due = dt.date(2026, 12, 31)
    # ¥222.68 owed 9 days at 0.05 % a day: 222.68 × 0.0005 × 9 = ¥1.00206 → 100 fen
    assert late_fee(22268, due, dt.date(2027, 1, 9), terms("0.0005", "0.1")) == (100, 9)
    # a year later: 222.68 × 0.0005 × 365 = ¥40.6391, capped at 10 % of ¥222.68 = ¥22.268 → 2227 fen (half up)
    assert late_fee(22268, due, dt.date(2027, 12, 31), terms("0.0005", "0.1")) == (2227, 365)
    # one rounding, half up: 123.45 × 0.0003 × 7 = ¥0.259245 → 25.9245 fen → 26 fen
    assert late_fee(12345, due, due + dt.timedelta(days=7), terms("0.0003", "1")) == (26, 7)
    # 0.5 fen rounds up: 100.00 × 0.0001 × 5 = ¥0.05 → 5 fen; ¥1.00 × 0.0005 × 9 = 0.45 fen → 0, × 10 = 0.5 fen → 1
    assert late_fee(100, due, due + dt.timedelta(days=9), terms("0.0005", "1"))[0] == 0
    assert late_fee(100, due, due + dt.timedelta(days=10), terms("0.0005", "1"))[0] == 1
    # nothing on the due date, within grace days, when paid, or without terms
    assert late_fee(22268, due, due, terms("0.0005", "0.1")) == (0, 0)
    assert late_fee(22268, due, due + dt.timedelta(days=5), terms("0.0005", "0.1", grace=5)) == (0, 0)
    assert late_fee(22268, due, due + dt.timedelta(days=6), terms("0.0005", "0.1", grace=5)) == (11, 1)  # 11.134 fen
    assert late_fee(0, due, dt.date(2027, 3, 1), terms("0.0005", "0.1")) == (0, 0)
    assert late_fee(22268, due, dt.date(2027, 3, 1), None) == (0, 0)


async def test_a_fee_on_the_building_area_and_a_capped_late_fee_on_the_bill(client, as_user, city, db):
    room = city.rooms["A1"][0]
    async with db.transaction(Scope.everything("test")) as session:
        await session.execute(update(FeeItem).where(FeeItem.compound_id == city.compounds["A1"]).values(active=False))
        await session.execute(
            update(Room)
            .where(Room.compound_id == city.compounds["A1"], Room.id == room)
            .values(building_area=Decimal("120.37"), exclusive_area=Decimal("96.30"))
        )
    with clock.frozen_at(NOV_30):
        admin = await as_user("ent-a-admin")
        r = await client.post(
            base(city) + "/fee-items/",
            json={"name": "物业服务费（建筑面积）", "kind": "area", "unit_price": "1.85", "area_basis": "building"},
            headers=admin,
        )
        assert r.status_code == 201 and r.json()["area_basis"] == "building", r.text
        bad = await client.put(base(city) + "/fee-terms", json={"late_fee_daily_rate": "0.5", "late_fee_cap_rate": "0.1"}, headers=admin)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "late_fee_daily_rate"
        bad = await client.put(base(city) + "/fee-terms", json={"late_fee_daily_rate": "0.0005", "late_fee_cap_rate": "1.5"}, headers=admin)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "late_fee_cap_rate"
        assert (await client.get(base(city) + "/fee-terms", headers=admin)).json()["late_fee_daily_rate"] is None
        r = await client.put(
            base(city) + "/fee-terms",
            json={"late_fee_daily_rate": "0.0005", "late_fee_cap_rate": "0.1", "contract_clause": "《物业服务合同》第十二条"},
            headers=admin,
        )
        assert r.status_code == 200 and "滞纳金" in r.json()["rule"], r.text
        generated = await client.post(base(city) + "/bills/generate", json={"period": "2027-01"}, headers=admin)
        assert generated.status_code == 200, generated.text
        bills = (await client.get(base(city) + "/bills", params={"period": "2027-01", "limit": 100}, headers=admin)).json()["items"]
        bill = next(b for b in bills if b["room_id"] == str(room))
        # 120.37 m² of building area × ¥1.85 = ¥222.6845 → 22268 fen (not the 96.30 m² exclusive area: ¥178.16)
        assert bill["amount_fen"] == 22268 and bill["due_on"] == "2027-01-31" and bill["late_fee_fen"] == 0
        detail = (await client.get(base(city) + f"/bills/{bill['id']}", headers=admin)).json()
        assert "建筑面积 120.37㎡" in detail["lines"][0]["description"]
    with clock.frozen_at(dt.datetime(2027, 2, 9, 2, 0, tzinfo=dt.UTC)):
        admin = await as_user("ent-a-admin")
        shown = (await client.get(base(city) + f"/bills/{bill['id']}", headers=admin)).json()
        assert (shown["late_fee_fen"], shown["late_fee_days"]) == (100, 9)
    with clock.frozen_at(dt.datetime(2028, 1, 31, 2, 0, tzinfo=dt.UTC)):
        admin = await as_user("ent-a-admin")
        shown = (await client.get(base(city) + f"/bills/{bill['id']}", headers=admin)).json()
        assert (shown["late_fee_fen"], shown["late_fee_days"]) == (2227, 365)  # capped at 10 % of the debt


async def test_a_building_area_fee_is_refused_where_rooms_lack_it(client, as_user, city, db):
    async with db.transaction(Scope.everything("test")) as session:
        await session.execute(
            update(Room).where(Room.compound_id == city.compounds["A1"], Room.id == city.rooms["A1"][1]).values(building_area=None)
        )
    with clock.frozen_at(NOV_30):
        admin = await as_user("ent-a-admin")
        r = await client.post(base(city) + "/bills/generate", json={"period": "2027-02"}, headers=admin)
        assert r.status_code == 409 and "建筑面积" in r.json()["detail"]
        assert uuid.UUID(str(city.rooms["A1"][1]))
