"""Module enabling: by the operator's subscription or by the district; disabling answers 403 and keeps data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core import clock
from core.db import Scope
from tenants.access import module_status
from tenants.models import Plan


async def test_module_follows_the_subscription(client, as_user, city):
    h = await as_user("ent-a-admin")
    ok = await client.get(f"/api/v1/compounds/{city.compounds['A1']}/party_building/", headers=h)  # standard plan
    assert ok.status_code == 200 and ok.json()["module"] == "party_building"
    off = await client.get(f"/api/v1/compounds/{city.compounds['A3']}/party_building/", headers=h)  # basic plan
    assert off.status_code == 403
    body = off.json()
    assert body["type"].endswith("/module-disabled") and body["module"] == "party_building"
    assert "party_building" in body["detail"] and "subscription" in body["reason"]


async def test_district_enables_and_withdraws_a_module(client, as_user, city):
    a3 = city.compounds["A3"]
    district, ent = await as_user("district-2-admin"), await as_user("ent-a-admin")
    url = f"/api/v1/compounds/{a3}/party_building/"
    assert (await client.get(url, headers=ent)).status_code == 403
    r = await client.put(f"/api/v1/compounds/{a3}/modules/party_building", json={"enabled": True}, headers=district)
    assert r.status_code == 200 and r.json()["active"] is True and r.json()["reason"] == "enabled by the district"
    assert (await client.get(url, headers=ent)).status_code == 200
    r = await client.put(f"/api/v1/compounds/{a3}/modules/party_building", json={"enabled": False}, headers=district)
    assert r.json()["active"] is False and "withdrawn" in r.json()["reason"]
    assert (await client.get(url, headers=ent)).status_code == 403
    # the enterprise cannot switch modules itself; another district cannot reach the compound
    assert (await client.put(f"/api/v1/compounds/{a3}/modules/party_building", json={"enabled": True}, headers=ent)).status_code == 403
    other = await as_user("district-1-admin")
    assert (await client.put(f"/api/v1/compounds/{a3}/modules/party_building", json={"enabled": True}, headers=other)).status_code == 404


async def test_modules_listing_gives_each_reason(client, as_user, city):
    h = await as_user("district-2-admin")
    states = {m["module"]: m for m in (await client.get(f"/api/v1/compounds/{city.compounds['B2']}/modules", headers=h)).json()["items"]}
    # every area module, and any installed vendor module (CI installs examples/parcel_lockers)
    assert {"party_building", "coordination", "co_building", "quality", "smart_property"} <= set(states)
    assert states["party_building"]["active"] and states["party_building"]["reason"] == "enabled by the district"
    assert not states["quality"]["active"]
    assert states["party_building"]["label_zh"] == "党建引领"


async def test_subscribing_a_plan_turns_its_modules_on(client, as_user, db, city):
    async with db.session(Scope.nothing()) as session:
        standard = await session.scalar(select(Plan.id).where(Plan.code == "standard"))
    h = await as_user("ent-a-admin")
    a3 = city.compounds["A3"]
    assert (await client.get(f"/api/v1/compounds/{a3}/smart_property/", headers=h)).status_code == 403
    r = await client.post(
        f"/api/v1/compounds/{a3}/subscriptions", json={"plan_id": str(standard), "starts_on": clock.now().date().isoformat()}, headers=h
    )
    assert r.status_code == 201, r.text
    assert (await client.get(f"/api/v1/compounds/{a3}/smart_property/", headers=h)).status_code == 200
    subs = (await client.get(f"/api/v1/compounds/{a3}/subscriptions", headers=h)).json()["items"]
    assert [s["status"] for s in subs] == ["active", "ended"]


async def test_subscription_ends_on_its_date(db, city):
    a1 = city.compounds["A1"]
    async with db.session(Scope.of([a1])) as session:
        assert (await module_status(session, a1, "quality"))[0]
    async with db.transaction(Scope.of([a1])) as session:
        from tenants.models import Subscription

        sub = await session.scalar(select(Subscription).where(Subscription.compound_id == a1))
        sub.ends_on = clock.now().date()
    clock.advance(dt.timedelta(days=2))
    async with db.session(Scope.of([a1])) as session:
        assert not (await module_status(session, a1, "quality"))[0]


async def test_only_the_operator_subscribes(client, as_user, db, city):
    async with db.session(Scope.nothing()) as session:
        basic = await session.scalar(select(Plan.id).where(Plan.code == "basic"))
    district = await as_user("district-1-admin")
    r = await client.post(
        f"/api/v1/compounds/{city.compounds['A1']}/subscriptions", json={"plan_id": str(basic), "starts_on": "2026-12-01"}, headers=district
    )
    assert r.status_code == 403


async def test_jobs_see_the_same_compounds_as_the_gate(db, city):
    """``compounds_with_module`` (set-based, for jobs) agrees with ``module_status`` compound by compound."""
    from tenants.access import compounds_with_module

    async with db.transaction(Scope.everything("test")) as session:
        for module in ("co_building", "party_building", "smart_property"):
            listed = set(await compounds_with_module(session, module))
            expected = {c for c in city.compounds.values() if (await module_status(session, c, module))[0]}
            assert listed == expected, module
        assert city.compounds["B2"] in set(await compounds_with_module(session, "party_building"))  # by the district
        assert city.compounds["B2"] not in set(await compounds_with_module(session, "co_building"))  # no subscription
