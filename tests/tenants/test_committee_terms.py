"""Owners' committee terms (issue 15, point 3): overlapping terms refused, a term filled from a closed and passed
``elect_committee`` vote (known through co_building's ``co_building.vote.closed`` event), expiry flagged once,
90 days ahead, to the district; posts shown in Chinese."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from core import clock
from core.db import Scope
from core.notifications.models import Notification
from tenants.committee_terms import EXPIRY_NOTICE, flag_expiring_terms, react

A1_TERM_END = dt.date(2029, 12, 31)  # the demo's term of A1: 2025-01-01 – 2029-12-31


def closed_vote(compound_id: uuid.UUID, *, passed: bool = True, matter: str = "elect_committee") -> dict:
    """The event co_building emits when a vote closes (its declared payload)."""
    tally = {k: "0" for k in ("rule", "total_area", "participating_area", "approving_area")}
    tally.update({"special": False, "total_heads": 10, "participating_heads": 8, "approving_heads": 7, "quorum_met": True, "reasons": []})
    return {
        "id": str(uuid.uuid4()),
        "type": "co_building.vote.closed",
        "tenant_id": None,
        "compound_id": str(compound_id),
        "actor_user_id": None,
        "occurred_at": "2029-11-20T02:00:00+00:00",
        "payload": {"vote_id": str(uuid.uuid4()), "title": "第二届业主委员会选举", "matter": matter, "passed": passed, **tally},
    }


async def remember(db, event: dict) -> None:
    reaction = react(event)
    assert reaction is not None
    async with db.transaction(Scope.of([uuid.UUID(event["compound_id"])])) as session:
        await reaction(session)


async def test_an_overlapping_term_is_refused_and_a_following_one_recorded(client, as_user, city):
    a1 = city.compounds["A1"]
    district = await as_user("district-1-admin")
    url = f"/api/v1/compounds/{a1}/committees"
    overlap = await client.post(url, json={"term_start": "2029-06-01", "term_end": "2034-05-31"}, headers=district)
    assert overlap.status_code == 409 and overlap.json()["errors"][0]["field"] == "term_start" and "2029-12-31" in overlap.text
    inside = await client.post(url, json={"term_start": "2026-01-01", "term_end": "2027-01-01"}, headers=district)
    assert inside.status_code == 409
    backwards = await client.post(url, json={"term_start": "2030-01-01", "term_end": "2029-01-01"}, headers=district)
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "term_end"
    following = await client.post(url, json={"term_start": "2029-12-31", "term_end": "2034-12-30"}, headers=district)
    assert following.status_code == 201, following.text  # the old term's last day is the new one's first: no overlap


async def test_a_term_is_filled_from_a_passed_election_vote_once(client, as_user, city, db):
    a1 = city.compounds["A1"]
    district = await as_user("district-1-admin")
    url = f"/api/v1/compounds/{a1}/committees"
    event = closed_vote(a1)
    await remember(db, event)
    await remember(db, event)  # delivered twice: remembered once
    assert react({**event, "payload": {**event["payload"], "matter": "change_operator"}}) is None
    vote_id = event["payload"]["vote_id"]
    term = {"term_start": "2030-01-01", "term_end": "2034-12-31", "source_vote_id": vote_id}

    filled = await client.post(url, json=term, headers=district)
    assert filled.status_code == 201, filled.text
    assert filled.json()["source_vote_id"] == vote_id and filled.json()["elected_on"] == "2029-11-20"
    again = await client.post(url, json={**term, "term_start": "2035-01-01", "term_end": "2039-12-31"}, headers=district)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "source_vote_id"

    failed = closed_vote(a1, passed=False)
    await remember(db, failed)
    refused = await client.post(
        url, json={"term_start": "2035-01-01", "term_end": "2039-12-31", "source_vote_id": failed["payload"]["vote_id"]}, headers=district
    )
    assert refused.status_code == 422 and "did not pass" in refused.text
    unknown = await client.post(
        url, json={"term_start": "2035-01-01", "term_end": "2039-12-31", "source_vote_id": str(uuid.uuid4())}, headers=district
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "source_vote_id"
    elsewhere = closed_vote(city.compounds["A2"])
    await remember(db, elsewhere)
    foreign = await client.post(
        url,
        json={"term_start": "2035-01-01", "term_end": "2039-12-31", "source_vote_id": elsewhere["payload"]["vote_id"]},
        headers=district,
    )
    assert foreign.status_code == 422  # another compound's election fills no term here

    listed = await client.get(url, headers=district)
    assert {t["source_vote_id"] for t in listed.json()["items"]} == {None, vote_id}


async def test_expiry_is_flagged_once_ninety_days_ahead_to_the_district(db, city):
    a1 = city.compounds["A1"]

    async def flag(today: dt.date) -> int:
        async with db.transaction(Scope.everything("test")) as session:
            return await flag_expiring_terms(session, today)

    async def told() -> list[uuid.UUID]:
        async with db.session(Scope.everything("test")) as session:
            rows = await session.scalars(
                select(Notification.user_id).where(Notification.kind == "tenants.committee.expiring", Notification.compound_id == a1)
            )
            return sorted(rows.all())

    assert await flag(A1_TERM_END - EXPIRY_NOTICE - dt.timedelta(days=1)) == 0
    assert await flag(A1_TERM_END - EXPIRY_NOTICE) == 1
    assert await told() == [city.users["district-1-admin"]]  # the district's administrator; not the operator's staff
    assert await flag(A1_TERM_END - dt.timedelta(days=10)) == 0  # once per term
    assert await told() == [city.users["district-1-admin"]]


async def test_the_job_runs_on_the_platform_day(db, city, settings):
    from tenants.committee_terms import flag_expiring_job

    class Runtime:
        def __init__(self) -> None:
            self.settings = settings

        def database(self):
            return db

    clock.advance(dt.datetime.combine(A1_TERM_END - dt.timedelta(days=30), dt.time(8), dt.UTC) - clock.now())
    assert await flag_expiring_job.fn(Runtime()) == 1


async def test_posts_are_shown_in_chinese(client, city):
    from tests.core.test_web import HTML, sign_in

    await sign_in(client, "district-1-admin")
    page = await client.get(f"/console/compounds/{city.compounds['A1']}/committee", headers=HTML)
    assert page.status_code == 200
    for post in ("主任", "副主任", "委员"):
        assert f"<td>{post}</td>" in page.text
    assert ">vice_chair<" not in page.text and ">chair<" not in page.text  # the values of the form, never the words shown
