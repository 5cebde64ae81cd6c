"""Complaint analytics and improvement plans through the API, statement counts of every list route (they do not grow
with the page size), and the jobs (closing campaigns, recomputing a period) with the clock moved."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from core import clock
from core.db import Scope
from core.jobs.runtime import build_runtime
from core.testing.statements import recording
from plugins.quality.jobs import _close_campaigns, _compute_period
from plugins.quality.models import Campaign, Period, RequestFact
from plugins.quality.services import improvement
from tenants.models import Building, Household, Room, Unit

Q = "/api/v1/quality"


def c(city, key="A1"):
    return f"/api/v1/compounds/{city.compounds[key]}/quality"


async def _facts(db, city) -> None:
    """Complaints in A1: two by the same household 10 days apart (a repeat), one 40 days later (not), one elsewhere."""
    a1 = city.compounds["A1"]
    async with db.transaction(Scope.of([a1])) as session:
        rows = (
            await session.execute(
                select(Room.id, Building.name, Household.id)
                .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
                .join(Building, (Building.compound_id == Unit.compound_id) & (Building.id == Unit.building_id))
                .join(Household, (Household.compound_id == Room.compound_id) & (Household.room_id == Room.id))
                .where(Room.compound_id == a1)
                .order_by(Building.name, Room.id)
            )
        ).all()
        other = rows[-1]
        base = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
        for n, (days, category, where) in enumerate(
            ((0, "noise", rows[0]), (10, "noise", rows[0]), (50, "parking", rows[0]), (12, "parking", other))
        ):
            session.add(
                RequestFact(
                    compound_id=a1,
                    id=uuid.uuid4(),
                    number=f"TS-{n}",
                    kind="complaint",
                    category=category,
                    room_id=where[0],
                    building_id=None,
                    household_id=where[2],
                    filed_at=base + dt.timedelta(days=days),
                    completed_at=base + dt.timedelta(days=days + 1) if n < 3 else None,
                    rating=4 if n < 2 else None,
                )
            )
        session.add(RequestFact(compound_id=a1, id=uuid.uuid4(), kind="repair", category="plumbing", filed_at=base, completed_at=base))


async def test_complaint_analytics_and_the_loop_over_the_api(client, as_user, city, db):
    await _facts(db, city)
    manager = await as_user("ent-a-manager")
    r = await client.get(f"{c(city)}/complaints", params={"start": "2026-03-01", "end": "2026-06-01"}, headers=manager)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 4 and body["repeat_households"] == 1
    assert body["categories"] == [{"label": "noise", "value": 2}, {"label": "parking", "value": 2}]
    assert body["repeats"] == [{"label": "noise", "value": 1}]
    assert [m["label"] for m in body["months"]] == ["2026-03", "2026-04"]
    loop = (await client.get(f"{c(city)}/loop", params={"start": "2026-03-01", "end": "2026-06-01"}, headers=manager)).json()
    assert (loop["filed"], loop["completed"], loop["rated"], loop["mean_rating"]) == (5, 4, 2, "4.00")
    assert loop["demand"][0] == {"label": "complaint", "value": 4}
    bad = await client.get(f"{c(city)}/complaints", params={"start": "2026-06-01", "end": "2026-03-01"}, headers=manager)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "end"
    district = await as_user("district-1-admin")
    whole = (await client.get(f"{Q}/loop", params={"start": "2026-03-01", "end": "2026-06-01"}, headers=district)).json()
    assert whole["compounds"] == 3 and whole["filed"] == 5 and sum(s["value"] for s in whole["stars"]) == 3  # the demo's published period


async def test_an_improvement_plan_measures_before_and_after_and_closes_with_its_actions(client, as_user, city):
    manager = await as_user("ent-a-admin")
    body = {
        "title": "降低楼道保洁投诉",
        "indicator_code": "quality.inspection_score",
        "baseline_start": "2026-01-01",
        "baseline_end": "2026-02-01",
        "review_start": "2026-02-01",
        "review_end": "2026-03-01",
        "actions": [
            {"text": "每日两次清扫", "owner": "保洁主管", "due_on": "2026-02-10"},
            {"text": "张贴公约", "owner": "客服", "due_on": "2026-02-05"},
        ],
    }
    bad = await client.post(f"{c(city)}/improvement-plans/", json={**body, "indicator_code": "nope.nothing"}, headers=manager)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "indicator_code"
    bad = await client.post(f"{c(city)}/improvement-plans/", json={**body, "review_end": "2026-01-01"}, headers=manager)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "review_end"
    assert (await client.get(f"{c(city)}/improvement-plans/", headers=manager)).json()["total"] == 0
    r = await client.post(f"{c(city)}/improvement-plans/", json=body, headers=manager)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert [a["text"] for a in plan["actions"]] == ["张贴公约", "每日两次清扫"] and plan["before_value"] is None
    for action in plan["actions"]:
        done = await client.post(f"{c(city)}/improvement-plans/{plan['id']}/actions/{action['id']}/done", headers=manager)
        assert done.status_code == 200, done.text
    assert done.json()["state"] == "done"
    again = await client.post(f"{c(city)}/improvement-plans/{plan['id']}/actions/{action['id']}/done", headers=manager)
    assert again.status_code == 409
    measured = await client.post(f"{c(city)}/improvement-plans/{plan['id']}/measure", headers=manager)
    assert measured.status_code == 200 and measured.json()["after_value"] is None  # no inspection in the review window
    resident = await as_user("resident-a1")
    assert (await client.get(f"{c(city)}/improvement-plans/", headers=resident)).status_code == 403


LISTS = [
    ("district-1-admin", lambda city: f"{Q}/schemes/"),
    ("district-1-admin", lambda city: f"{Q}/periods/"),
    ("district-1-admin", lambda city: f"{Q}/inspection-plans/"),
    ("district-1-admin", lambda city: f"{Q}/survey-templates/"),
    ("district-1-admin", lambda city: f"{Q}/indicators/"),
    ("district-1-admin", lambda city: f"{c(city)}/inspections/"),
    ("district-1-admin", lambda city: f"{c(city)}/rectifications/"),
    ("district-1-admin", lambda city: f"{c(city)}/campaigns/"),
    ("ent-a-admin", lambda city: f"{c(city)}/improvement-plans/"),
]


async def test_every_list_costs_the_same_statements_for_1_and_200_rows(app, client, as_user, city):
    district = await as_user("district-1-admin")
    periods = (await client.get(f"{Q}/periods/", headers=district)).json()["items"]
    extra = [
        ("district-1-admin", lambda city: f"{Q}/periods/{periods[0]['id']}/scores"),
        ("district-1-admin", lambda city: f"{Q}/periods/{periods[0]['id']}/operators"),
    ]
    for user, url in LISTS + extra:
        headers = await as_user(user)
        path = url(city)
        await client.get(path, params={"limit": 1}, headers=headers)  # warm
        counts = {}
        for limit in (1, 200):
            tries = []
            for _ in range(3):  # a background loop's statement may slip in: it only ever adds, so keep the least
                with recording(app) as seen:
                    r = await client.get(path, params={"limit": limit}, headers=headers)
                assert r.status_code == 200, (path, r.text)
                tries.append(len(seen))
            counts[limit] = min(tries)
        assert counts[1] == counts[200], (path, counts)


async def test_the_campaign_job_closes_what_is_due_when_the_clock_passes(city, db, settings, plugin_host):
    runtime = build_runtime(settings, plugin_host)
    assert await _close_campaigns(runtime) == 0  # the demo's open campaigns close in three weeks
    clock.advance(dt.timedelta(days=22))
    assert await _close_campaigns(runtime) == 3
    async with db.session(Scope.everything("test")) as session:
        states = {c.state for c in (await session.scalars(select(Campaign))).all()}
    assert states == {"closed"}


async def test_the_compute_job_recomputes_a_draft_and_refuses_a_published_period(client, as_user, city, db, settings, plugin_host):
    district = await as_user("district-1-admin")
    published = (await client.get(f"{Q}/periods/", headers=district)).json()["items"][0]
    runtime = build_runtime(settings, plugin_host)
    tenant = str(city.tenants["D1"])
    import pytest

    from core.states import IllegalTransition

    with pytest.raises(IllegalTransition):
        await _compute_period(runtime, tenant, published["id"])
    r = await client.post(
        f"{Q}/periods/",
        json={"scheme_id": published["scheme_id"], "name": "重算", "starts_on": published["starts_on"], "ends_on": published["ends_on"]},
        headers=district,
    )
    assert await _compute_period(runtime, tenant, r.json()["id"]) == "computed"
    first = (await client.get(f"{Q}/periods/{published['id']}/scores", headers=district)).json()["items"]
    again = (await client.get(f"{Q}/periods/{r.json()['id']}/scores", headers=district)).json()["items"]
    assert [(s["compound_id"], s["composite"], s["stars"]) for s in again] == [
        (s["compound_id"], s["composite"], s["stars"]) for s in first
    ]
    async with db.session(Scope.everything("test")) as session:
        assert (await session.get(Period, uuid.UUID(published["id"]))).state == "published"


def test_default_window_is_twelve_whole_months():
    assert improvement.default_window(dt.date(2026, 11, 28)) == (dt.date(2025, 12, 1), dt.date(2026, 11, 29))
    assert improvement.default_window(dt.date(2026, 1, 5)) == (dt.date(2025, 2, 1), dt.date(2026, 1, 6))
