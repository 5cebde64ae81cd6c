"""Responsibility lists (责任清单) with completions per period, and study sessions with hours per member and year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from core import clock
from core.db import Scope
from plugins.party_building.models import PartyOrganisation, StudyAttendance, StudySession

from .conftest import api, count

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


async def test_a_responsibility_is_completed_once_per_period(client, as_user, city, db):
    h = await as_user("party-secretary-1")
    async with db.session(Scope.everything("test")) as session:
        branch = await session.scalar(select(PartyOrganisation.id).where(PartyOrganisation.name == "幸福家园小区党支部"))
    r = await client.post(
        "/api/v1/party_building/responsibilities",
        json={"organisation_id": str(branch), "role": "secretary", "title": "每月走访党员中心户", "period": "month"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["done_this_period"] is False and item["current_period"] == f"{clock.now().astimezone(SHANGHAI):%Y-%m}"
    today = clock.now().astimezone(SHANGHAI).date()
    done = await client.post(
        f"/api/v1/party_building/responsibilities/{item['id']}/completions",
        json={"completed_on": today.isoformat(), "note": "走访 6 户"},
        headers=h,
    )
    assert done.status_code == 201 and done.json()["period_label"] == item["current_period"]
    again = await client.post(
        f"/api/v1/party_building/responsibilities/{item['id']}/completions", json={"completed_on": today.isoformat()}, headers=h
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "period_label"
    future = await client.post(
        f"/api/v1/party_building/responsibilities/{item['id']}/completions",
        json={"completed_on": (today + dt.timedelta(days=40)).isoformat()},
        headers=h,
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "completed_on"
    listed = (await client.get("/api/v1/party_building/responsibilities", headers=h)).json()["items"]
    assert next(i for i in listed if i["id"] == item["id"])["done_this_period"] is True

    # the enterprise reads the lists of organisations serving its compounds, but cannot keep another tenant's
    e = await as_user("ent-a-admin")
    assert item["id"] in {i["id"] for i in (await client.get("/api/v1/party_building/responsibilities", headers=e)).json()["items"]}
    assert (
        await client.post(
            "/api/v1/party_building/responsibilities",
            json={"organisation_id": str(branch), "role": "member", "title": "x", "period": "year"},
            headers=await as_user("party-worker-a"),
        )
    ).status_code == 403
    assert (await client.get("/api/v1/party_building/responsibilities", headers=await as_user("ent-b-admin"))).json()["items"] == []


async def test_study_sessions_and_hours_per_member(client, as_user, city, db):
    h = await as_user("party-secretary-1")
    a1 = city.compounds["A1"]
    members = (await client.get(api(a1, "/members"), headers=h)).json()["items"]
    ids = [m["id"] for m in members[:2]]
    held = clock.now().astimezone(SHANGHAI).date() - dt.timedelta(days=1)
    before = (await count(db, StudySession), await count(db, StudyAttendance))
    bad = await client.post(
        api(a1, "/study-sessions"), json={"title": "党课", "held_on": held.isoformat(), "hours": "0", "member_ids": ids}, headers=h
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "hours"
    assert (await count(db, StudySession), await count(db, StudyAttendance)) == before
    r = await client.post(
        api(a1, "/study-sessions"),
        json={"title": "学习二十届三中全会精神", "held_on": held.isoformat(), "hours": "1.5", "member_ids": ids},
        headers=h,
    )
    assert r.status_code == 201 and r.json()["attendees"] == 2
    hours = {x["member_id"]: x for x in (await client.get(api(a1, "/study-hours"), params={"year": held.year}, headers=h)).json()["items"]}
    assert all(Decimal(hours[i]["hours"]) >= Decimal("1.5") for i in ids)
    assert len(hours) == 8 and any(Decimal(x["hours"]) == 0 for x in hours.values())
    assert (await client.get(api(a1, "/study-sessions"), headers=await as_user("ent-a-admin"))).status_code == 403
