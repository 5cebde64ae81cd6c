"""quality through its API: surveys (one per household, anonymous, closed), schemes and periods, inspections and rectification."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core import clock
from core.db import Scope
from plugins.quality.models import Campaign, CompoundScore, Rectification, Response, Scheme

Q = "/api/v1/quality"
QUESTIONS = [
    {"key": "clean", "text": "保洁", "kind": "rating", "dimension": "cleaning"},
    {"key": "safe", "text": "安保", "kind": "rating", "dimension": "security"},
    {"key": "best", "text": "最满意的方面", "kind": "single", "options": ["保洁", "安保", "绿化"]},
    {"key": "note", "text": "建议", "kind": "text", "required": False},
]


def c(city, key="A1"):
    return f"/api/v1/compounds/{city.compounds[key]}/quality"


async def _count(db, model, **where) -> int:
    async with db.session(Scope.everything("test")) as session:
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return int(await session.scalar(stmt))


async def _campaign(client, city, district, *, anonymous=False) -> str:
    r = await client.post(f"{Q}/survey-templates/", json={"name": "年度满意度", "questions": QUESTIONS}, headers=district)
    assert r.status_code == 201, r.text
    closes = (clock.now() + dt.timedelta(days=7)).isoformat()
    body = {
        "template_id": r.json()["id"],
        "title": "2026年度测评",
        "compound_ids": [str(city.compounds["A1"])],
        "closes_at": closes,
        "anonymous": anonymous,
    }
    r = await client.post(f"{Q}/campaigns/", json=body, headers=district)
    assert r.status_code == 201, r.text
    return r.json()[0]["id"]


async def test_one_response_per_household_replaced_until_close(client, as_user, city, db):
    district, resident = await as_user("district-1-admin"), await as_user("resident-a1")
    cid = await _campaign(client, city, district)
    url = f"{c(city)}/campaigns/{cid}/responses"
    r = await client.post(url, json={"answers": {"clean": 4, "safe": 2, "best": "保洁"}}, headers=resident)
    assert r.status_code == 201, r.text
    r = await client.post(url, json={"answers": {"clean": 5, "safe": 3, "best": "安保", "note": "很好"}}, headers=resident)
    assert r.status_code == 201 and r.json()["revision"] == 2
    assert await _count(db, Response, campaign_id=uuid.UUID(cid)) == 1
    other = await as_user("resident-a1b")
    assert (await client.post(url, json={"answers": {"clean": 3, "safe": 3, "best": "绿化"}}, headers=other)).status_code == 201
    scores = (await client.get(f"{c(city)}/campaigns/{cid}/scores", headers=district)).json()
    # clean: (5+3)/2·20 = 80; safe: (3+3)/2·20 = 60; overall (5+3+3+3)/4·20 = 70
    assert {d["dimension"]: d["score"] for d in scores["dimensions"]} == {"cleaning": "80.00", "security": "60.00"}
    assert scores["overall"] == "70.00" and scores["responses"] == 2 and scores["choices"]["best"] == {"安保": 1, "绿化": 1}
    assert (await client.post(f"{c(city)}/campaigns/{cid}/close", headers=district)).status_code == 200
    late = await client.post(url, json={"answers": {"clean": 1, "safe": 1, "best": "保洁"}}, headers=resident)
    assert late.status_code == 409 and late.headers["content-type"].startswith("application/problem+json")
    assert late.json()["field"] == "campaign"
    async with db.session(Scope.everything("test")) as session:
        row = await session.scalar(
            select(Response).where(Response.campaign_id == uuid.UUID(cid), Response.user_id == city.users["resident-a1"])
        )
    assert row.answers["clean"] == 5  # the late answer wrote nothing


async def test_a_campaign_closes_by_itself_when_its_time_is_up(client, as_user, city, db):
    import types

    from plugins.quality.jobs import close_campaigns_job

    district = await as_user("district-1-admin")
    cid = await _campaign(client, city, district)
    runtime = types.SimpleNamespace(database=lambda: db)
    await close_campaigns_job.fn(runtime)  # the demo's own campaigns first
    assert await _count(db, Campaign, id=uuid.UUID(cid), state="open") == 1
    clock.advance(dt.timedelta(days=7, minutes=1))
    assert await close_campaigns_job.fn(runtime) >= 1  # through the job's one look-up over the city
    assert await _count(db, Campaign, id=uuid.UUID(cid), state="open") == 0
    assert await close_campaigns_job.fn(runtime) == 0


async def test_anonymous_answers_are_not_linkable_to_a_person(client, as_user, city, db):
    district, resident = await as_user("district-1-admin"), await as_user("resident-a1")
    cid = await _campaign(client, city, district, anonymous=True)
    url = f"{c(city)}/campaigns/{cid}/responses"
    for clean in (2, 4):  # changed once: still one row for the household
        assert (await client.post(url, json={"answers": {"clean": clean, "safe": 5, "best": "保洁"}}, headers=resident)).status_code == 201
    async with db.session(Scope.everything("test")) as session:
        rows = (await session.scalars(select(Response).where(Response.campaign_id == uuid.UUID(cid)))).all()
        assert len(rows) == 1
        row = rows[0]
        households = {str(h) for h in (await session.scalars(select(Response.household_id))).all()}
    assert row.user_id is None and row.household_id is None and row.answers["clean"] == 4
    assert row.id.version == 4  # no uuid7: the id carries no time
    assert row.created_at.time() == dt.time(0) and row.updated_at.time() == dt.time(0)
    assert row.household_key not in households and len(row.household_key) == 64
    assert str(city.users["resident-a1"]) not in str(row.answers) + row.household_key
    await client.post(f"{c(city)}/campaigns/{cid}/close", headers=district)
    async with db.session(Scope.everything("test")) as session:
        campaign = await session.scalar(select(Campaign).where(Campaign.id == uuid.UUID(cid)))
    assert campaign.salt is None  # after close nobody can recompute the digest


async def test_bad_answers_are_refused_naming_the_question_and_write_nothing(client, as_user, city, db):
    district, resident = await as_user("district-1-admin"), await as_user("resident-a1")
    cid = await _campaign(client, city, district)
    url = f"{c(city)}/campaigns/{cid}/responses"
    for answers, field in (
        ({"clean": 4, "safe": 2, "best": ["保洁", "安保"]}, "answers.best"),  # a second vote in a single choice
        ({"clean": 6, "safe": 2, "best": "保洁"}, "answers.clean"),
        ({"clean": 4, "safe": 2, "best": "物业费"}, "answers.best"),
        ({"clean": 4, "best": "保洁"}, "answers.safe"),
        ({"clean": 4, "safe": 2, "best": "保洁", "x": 1}, "answers.x"),
    ):
        r = await client.post(url, json={"answers": answers}, headers=resident)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json") and r.json()["errors"][0]["field"] == field
    assert await _count(db, Response, campaign_id=uuid.UUID(cid)) == 0


SCHEME = {
    "name": "2026年红色物业考核",
    "items": [
        {"code": "quality.inspection_score", "weight": "60", "target": "90", "zero_at": "50"},
        {"code": "quality.satisfaction", "weight": "40", "target": "90", "zero_at": "60"},
    ],
    "star_thresholds": ["60", "70", "80", "90"],
    "overdue_deduction": "2",
}
CHECKLIST = [
    {"key": "clean", "text": "公共区域保洁", "dimension": "cleaning", "max_score": "40"},
    {"key": "fire", "text": "消防通道畅通", "dimension": "security", "max_score": "60"},
]


async def test_scheme_weights_must_sum_to_100_and_nothing_is_written(client, as_user, db):
    district = await as_user("district-1-admin")
    bad = {**SCHEME, "items": [{**SCHEME["items"][0], "weight": "60"}, {**SCHEME["items"][1], "weight": "39.99"}]}
    r = await client.post(f"{Q}/schemes/", json=bad, headers=district)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items" and "99.99" in r.json()["detail"]
    r = await client.post(f"{Q}/schemes/", json={**SCHEME, "star_thresholds": ["60", "80", "70", "90"]}, headers=district)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "star_thresholds"
    assert await _count(db, Scheme, name=SCHEME["name"]) == 0


async def _plan(client, city, district) -> str:
    today = clock.now().date()
    body = {
        "name": "季度检查",
        "starts_on": str(today),
        "ends_on": str(today + dt.timedelta(days=30)),
        "compound_ids": [str(city.compounds["A1"]), str(city.compounds["B1"])],
        "checklist": CHECKLIST,
    }
    r = await client.post(f"{Q}/inspection-plans/", json=body, headers=district)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_period_scores_stars_ranks_and_a_published_period_is_frozen(client, as_user, city, db):
    district = await as_user("district-1-admin")
    plan = await _plan(client, city, district)
    for key, clean, fire in (("A1", "40", "50"), ("B1", "30", "40")):  # A1: 90 → full 60; B1: 70 → 60·(70−50)/40 = 30
        r = await client.post(
            f"{c(city, key)}/inspections/",
            json={"plan_id": plan, "results": [{"key": "clean", "score": clean}, {"key": "fire", "score": fire}]},
            headers=district,
        )
        assert r.status_code == 201, r.text
    scheme = (await client.post(f"{Q}/schemes/", json=SCHEME, headers=district)).json()
    local_today = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    period = (
        await client.post(
            f"{Q}/periods/",
            json={
                "scheme_id": scheme["id"],
                "name": "本季度",
                # the period is in the compounds' local days (UTC+8): around Shanghai's midnight the UTC date is a day behind
                "starts_on": str(local_today - dt.timedelta(days=1)),
                "ends_on": str(local_today + dt.timedelta(days=1)),
            },
            headers=district,
        )
    ).json()
    move = f"{Q}/periods/{period['id']}/moves"
    r = await client.post(move, json={"action": "compute"}, headers=district)
    assert r.status_code == 200, r.text
    scores = (await client.get(f"{Q}/periods/{period['id']}/scores", headers=district)).json()["items"]
    by_name = {s["compound_id"]: s for s in scores}
    a1, b1 = by_name[str(city.compounds["A1"])], by_name[str(city.compounds["B1"])]
    # satisfaction has no data in either: inspection alone counts for the whole
    assert (a1["composite"], a1["stars"], a1["rank_district"]) == ("100.00", 5, 1)
    assert (b1["composite"], b1["stars"], b1["rank_district"]) == ("50.00", 1, 3) or b1["composite"] == "50.00"
    for action in ("review", "publish"):
        assert (await client.post(move, json={"action": action}, headers=district)).status_code == 200
    r = await client.post(move, json={"action": "compute"}, headers=district)
    assert r.status_code == 409 and r.json()["allowed"] == []
    resident = await as_user("resident-a1")
    rating = await client.get(f"{c(city)}/rating/", headers=resident)
    assert rating.status_code == 200 and rating.json()["stars"] == 5
    assert await _count(db, CompoundScore, period_id=uuid.UUID(period["id"])) >= 2


async def test_inspection_score_outside_range_is_refused(client, as_user, city, db):
    district = await as_user("district-1-admin")
    plan = await _plan(client, city, district)
    before = (await client.get(f"{c(city)}/inspections/", headers=district)).json()["total"]
    r = await client.post(
        f"{c(city)}/inspections/",
        json={"plan_id": plan, "results": [{"key": "clean", "score": "41"}, {"key": "fire", "score": "60"}]},
        headers=district,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "results[0].score"
    r = await client.get(f"{c(city)}/inspections/", headers=district)
    assert r.json()["total"] == before


async def test_rectification_answered_returned_accepted_and_overdue_by_the_clock(client, as_user, city, db):
    district, operator = await as_user("district-1-admin"), await as_user("ent-a-admin")
    plan = await _plan(client, city, district)
    r = await client.post(
        f"{c(city)}/inspections/",
        json={
            "plan_id": plan,
            "results": [{"key": "clean", "score": "30", "note": "垃圾未清", "finding": True}, {"key": "fire", "score": "60"}],
        },
        headers=district,
    )
    inspection = r.json()
    notice = (
        await client.post(f"{c(city)}/inspections/{inspection['id']}/rectification", json={"working_days": 3}, headers=district)
    ).json()
    assert notice["state"] == "issued" and len(notice["items"]) == 1
    base = f"{c(city)}/rectifications/{notice['id']}"
    item = notice["items"][0]["id"]
    forbidden = await client.post(f"{base}/items/{item}/answer", json={"answer": "已清理"}, headers=district)
    assert forbidden.status_code == 403
    r = await client.post(f"{base}/items/{item}/answer", json={"answer": "已清理"}, headers=operator)
    assert r.json()["state"] == "responded"
    r = await client.post(f"{base}/items/{item}/verdict", json={"verdict": "return"}, headers=district)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await client.post(f"{base}/items/{item}/verdict", json={"verdict": "return", "reason": "仍有堆放"}, headers=district)
    assert r.json()["state"] == "returned"
    r = await client.post(f"{base}/close", headers=district)
    assert r.status_code == 409 and r.json()["allowed"] == ["respond"]
    # the clock passes the deadline: the job marks it overdue once
    import types

    from plugins.quality.jobs import rectification_overdue_job

    runtime = types.SimpleNamespace(database=lambda: db)
    assert await rectification_overdue_job.fn(runtime) == 0
    clock.advance(dt.timedelta(days=10))
    assert await rectification_overdue_job.fn(runtime) == 1  # through the job's one look-up over the city
    assert await rectification_overdue_job.fn(runtime) == 0
    district, operator = await as_user("district-1-admin"), await as_user("ent-a-admin")  # the old tokens expired meanwhile
    r = await client.post(f"{base}/items/{item}/answer", json={"answer": "已全部清运"}, headers=operator)
    r = await client.post(f"{base}/items/{item}/verdict", json={"verdict": "accept"}, headers=district)
    assert r.json()["state"] == "verified" and r.json()["overdue"] is True
    assert (await client.post(f"{base}/close", headers=district)).json()["state"] == "closed"
    assert await _count(db, Rectification, state="closed") == 1
