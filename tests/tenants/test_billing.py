"""Monthly invoices: prorated per compound, issued once per enterprise and month, visible to the right tenants."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.db import Scope
from tenants.billing import generate_invoices, previous_period, prorate
from tenants.models import Plan, Subscription


def test_prorating_is_exact_and_rounds_half_up():
    assert prorate(200000, 30, 30) == 200000
    assert prorate(80000, 15, 31) == 38710  # 38709.677… → 38710
    assert prorate(100, 1, 2) == 50
    assert prorate(1, 1, 2) == 1  # 0.5 fen rounds up


def test_previous_period_is_in_the_platform_time_zone():
    # 2026-12-01 01:00 in Shanghai is still November 30 in UTC
    moment = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)
    assert previous_period(moment) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


async def test_invoices_cover_each_compound_once(db, city):
    first, last = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    async with db.transaction(Scope.everything("test")) as session:
        # A3 changed plan on Oct 16: basic for 15 days, then standard for 16
        standard = await session.scalar(select(Plan).where(Plan.code == "standard"))
        old = await session.scalar(select(Subscription).where(Subscription.compound_id == city.compounds["A3"]))
        old.ends_on, old.status = dt.date(2026, 10, 15), "ended"
        session.add(
            Subscription(
                compound_id=city.compounds["A3"], tenant_id=city.tenants["A"], plan_id=standard.id, starts_on=dt.date(2026, 10, 16)
            )
        )
    async with db.transaction(Scope.everything("test")) as session:
        issued = await generate_invoices(session, first, last)
    by_tenant = {i.tenant_id: i for i in issued}
    assert set(by_tenant) == {city.tenants["A"], city.tenants["B"], city.tenants["C"]}  # B2 has no plan, B1 does
    a = by_tenant[city.tenants["A"]]
    # A1 + A2 standard all month, A3 basic 15/31 + standard 16/31
    assert a.total_fen == 200000 * 2 + prorate(80000, 15, 31) + prorate(200000, 16, 31)
    async with db.transaction(Scope.everything("test")) as session:
        assert await generate_invoices(session, first, last) == []  # idempotent


async def test_invoices_api_per_tenant(client, as_user, db, city):
    async with db.transaction(Scope.everything("test")) as session:
        await generate_invoices(session, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    ent = (await client.get("/api/v1/invoices", headers=await as_user("ent-a-admin"))).json()
    assert ent["total"] == 1 and ent["items"][0]["period"] == "2026-10"
    assert {line["compound_name"] for line in ent["items"][0]["lines"]} == {"红城·幸福家园", "红城·书香苑", "红城·和谐里"}
    platform = (await client.get("/api/v1/invoices", headers=await as_user("platform"))).json()
    assert platform["total"] == 3
    assert (await client.get("/api/v1/invoices", headers=await as_user("district-1-admin"))).status_code == 403
