"""Pre-review (前置把关, standard §4) through the API: a matter the community party organisation must review stays a
draft until its review is recorded; a rejection keeps it blocked; where nobody can review, it stays blocked and says
who must."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import clock
from core.db import Scope
from core.events.models import OutboxEvent
from core.notifications.models import Notification
from plugins.party_building.models import PreReview

from .conftest import api

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(NOW):
        yield


def votes(compound_id) -> str:
    return f"/api/v1/compounds/{compound_id}/co_building/votes"


async def _draft(client, compound_id, headers, matter="hire_property_company", title="选聘物业服务企业") -> dict:
    closes = (NOW + dt.timedelta(days=7)).isoformat()
    r = await client.post(votes(compound_id) + "/", json={"title": title, "matter": matter, "closes_at": closes}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _inbox(db, user_id) -> list[str]:
    async with db.session(Scope.everything("test inbox")) as session:
        return list((await session.scalars(select(Notification.title).where(Notification.user_id == user_id))).all())


async def _events(db, name: str) -> int:
    async with db.session(Scope.everything("test events")) as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == name)) or 0)


async def test_a_vote_opens_only_after_the_party_organisation_approved_it_and_a_rejection_keeps_it_blocked(client, as_user, city, db):
    a1 = city.compounds["A1"]
    district, secretary = await as_user("district-1-admin"), await as_user("party-secretary-1")
    vote = await _draft(client, a1, district)
    assert vote["pre_review"] == "missing"

    blocked = await client.post(votes(a1) + f"/{vote['id']}/open", headers=district)
    assert blocked.status_code == 409, blocked.text
    body = blocked.json()
    assert body["type"].endswith("/pre-review-required") and body["matter"] == "hire_property_company"
    assert body["review_state"] == "missing" and "社区党组织" in body["detail_zh"] and "party organisation" in body["detail"]

    requested = await client.post(votes(a1) + f"/{vote['id']}/pre-review", headers=district)
    assert requested.status_code == 200 and requested.json()["pre_review"] == "requested"
    again = await client.post(votes(a1) + f"/{vote['id']}/pre-review", headers=district)
    assert again.json()["pre_review"] == "requested"  # one request waits; asking twice adds none
    assert await _events(db, "party_building.pre_review.requested") == 1 + 3  # the demo's three requests
    assert any("待前置把关" in t for t in await _inbox(db, city.users["party-secretary-1"]))
    still = await client.post(votes(a1) + f"/{vote['id']}/open", headers=district)
    assert still.status_code == 409 and still.json()["review_state"] == "requested"

    waiting = (await client.get(api(a1, "/pre-reviews?state=requested"), headers=secretary)).json()["items"]
    mine = next(w for w in waiting if w["subject_id"] == vote["id"])
    assert mine["matter"] == "hire_property_company" and mine["subject_title"] == "选聘物业服务企业"
    record = api(a1, f"/pre-reviews/{mine['id']}/record")

    # the district reads but does not record; a rejection needs its reason, a future day is refused; nothing is written
    assert (await client.post(record, json={"opinion": "approve"}, headers=district)).status_code == 403
    r = await client.post(record, json={"opinion": "reject"}, headers=secretary)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "opinion_text"
    tomorrow = (NOW + dt.timedelta(days=2)).date().isoformat()
    r = await client.post(record, json={"opinion": "approve", "reviewed_on": tomorrow}, headers=secretary)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reviewed_on"
    r = await client.post(record, json={"opinion": "maybe"}, headers=secretary)
    assert r.status_code in (400, 422)

    r = await client.post(record, json={"opinion": "reject", "opinion_text": "候选企业资质材料不全"}, headers=secretary)
    assert r.status_code == 200 and r.json()["state"] == "reject" and r.json()["reviewer_name"] == "东关社区党委书记"
    assert (await client.post(record, json={"opinion": "approve"}, headers=secretary)).status_code == 409  # answered once
    assert any("不同意" in t for t in await _inbox(db, city.users["district-1-admin"]))  # the requester is told
    rejected = await client.post(votes(a1) + f"/{vote['id']}/open", headers=district)
    assert rejected.status_code == 409 and rejected.json()["review_state"] == "reject"
    assert "资质材料不全" in rejected.json()["detail_zh"]
    assert (await client.get(votes(a1) + f"/{vote['id']}", headers=district)).json()["state"] == "draft"

    # changed and asked again: a new request; approved with conditions (which it must state), the vote opens
    r = await client.post(votes(a1) + f"/{vote['id']}/pre-review", headers=district)
    assert r.json()["pre_review"] == "requested"
    second = next(
        w
        for w in (await client.get(api(a1, "/pre-reviews?state=requested"), headers=secretary)).json()["items"]
        if w["subject_id"] == vote["id"]
    )
    assert second["id"] != mine["id"]
    record = api(a1, f"/pre-reviews/{second['id']}/record")
    r = await client.post(record, json={"opinion": "approve_with_conditions"}, headers=secretary)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "conditions"
    r = await client.post(record, json={"opinion": "approve_with_conditions", "conditions": "表决前公示候选企业资质7日"}, headers=secretary)
    assert r.status_code == 200
    assert await _events(db, "party_building.pre_review.recorded") == 2
    opened = await client.post(votes(a1) + f"/{vote['id']}/open", headers=district)
    assert opened.status_code == 200, opened.text
    assert opened.json()["state"] == "open" and opened.json()["pre_review"] == "approve_with_conditions"
    assert "公示候选企业资质" in opened.json()["pre_review_conditions"]
    async with db.session(Scope.everything("test")) as session:
        kept = (await session.scalars(select(PreReview.state).where(PreReview.subject_id == uuid.UUID(vote["id"])))).all()
    assert sorted(kept) == ["approve_with_conditions", "reject"]  # the history stays


async def test_a_matter_that_needs_no_review_opens_at_once_and_cannot_be_put_to_review(client, as_user, city):
    a1 = city.compounds["A1"]
    district = await as_user("district-1-admin")
    vote = await _draft(client, a1, district, matter="make_rules", title="修订业主大会议事规则")
    assert vote["pre_review"] is None
    r = await client.post(votes(a1) + f"/{vote['id']}/pre-review", headers=district)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "matter"
    assert (await client.post(votes(a1) + f"/{vote['id']}/open", headers=district)).status_code == 200


async def test_where_party_building_is_off_the_matter_stays_blocked_and_says_who_must_review(client, as_user, city):
    b1 = city.compounds["B1"]  # the basic plan: co_building without party_building
    district = await as_user("district-1-admin")
    vote = await _draft(client, b1, district, matter="elect_committee", title="选举业主委员会")
    assert vote["pre_review"] == "unavailable"
    for path in ("/open", "/pre-review"):
        r = await client.post(votes(b1) + f"/{vote['id']}{path}", headers=district)
        assert r.status_code == 409, r.text
        assert r.json()["review_state"] == "unavailable" and "启用党建引领" in r.json()["detail_zh"]
    assert (await client.get(votes(b1) + f"/{vote['id']}", headers=district)).json()["state"] == "draft"


async def test_the_demo_votes_were_reviewed_and_the_candidates_wait(client, as_user, city):
    secretary = await as_user("party-secretary-1")
    rows = (await client.get(api(city.compounds["A1"], "/pre-reviews"), headers=secretary)).json()["items"]
    states = {r["matter"]: r["state"] for r in rows}
    assert states == {"hire_property_company": "approve", "use_maintenance_fund": "approve", "elect_committee": "requested"}
    assert rows[0]["matter"] == "elect_committee"  # waiting ones first


def test_hook_redprop_pre_reviewer(plugin_host):
    """party_building answers the hook with the reviewer core.review asks; the app installed it at start-up."""
    from core import review

    reviewer = plugin_host.pm.hook.redprop_pre_reviewer()
    assert reviewer.module == "party_building" and callable(reviewer.statuses) and callable(reviewer.request)
    assert set(review.MATTERS) == {"elect_committee", "hire_property_company", "use_maintenance_fund", "change_fee_standard"}
    problem = review.blocked(review.PreReview("use_maintenance_fund", uuid.uuid4(), "requested"))
    assert problem.status == 409 and problem.extra["review_state"] == "requested" and "前置把关" in problem.extra["detail_zh"]


async def test_a_fee_standard_in_use_changes_only_after_the_review_and_on_its_date(client, as_user, city):
    a1 = city.compounds["A1"]
    admin, secretary = await as_user("ent-a-admin"), await as_user("party-secretary-1")
    fees = f"/api/v1/compounds/{a1}/co_building"
    items = (await client.get(fees + "/fee-items/", headers=admin)).json()["items"]
    item = items[0]  # a demo item, billed for months: a fee standard in use
    body = {**{k: item[k] for k in ("name", "kind", "unit", "due_days", "active", "area_basis")}, "unit_price": "9.9"}
    direct = await client.put(fees + f"/fee-items/{item['id']}", json=body, headers=admin)
    assert direct.status_code == 409 and direct.json()["matter"] == "change_fee_standard"

    day = (NOW + dt.timedelta(days=3)).date()
    change = await client.post(
        fees + "/fee-changes/",
        json={"fee_item_id": item["id"], "unit_price": "9.9", "effective_on": day.isoformat(), "reason": "成本上涨"},
        headers=admin,
    )
    assert change.status_code == 201, change.text
    change = change.json()
    assert change["pre_review"] == "missing" and change["state"] == "proposed"
    blocked = await client.post(fees + f"/fee-changes/{change['id']}/apply", headers=admin)
    assert blocked.status_code == 409 and blocked.json()["review_state"] == "missing"

    assert (await client.post(fees + f"/fee-changes/{change['id']}/pre-review", headers=admin)).json()["pre_review"] == "requested"
    waiting = (await client.get(api(a1, "/pre-reviews?state=requested"), headers=secretary)).json()["items"]
    review = next(w for w in waiting if w["subject_id"] == change["id"])
    assert review["matter"] == "change_fee_standard" and "9.9" in review["subject_title"]
    r = await client.post(api(a1, f"/pre-reviews/{review['id']}/record"), json={"opinion": "approve"}, headers=secretary)
    assert r.status_code == 200

    early = await client.post(fees + f"/fee-changes/{change['id']}/apply", headers=admin)
    assert early.status_code == 409 and early.json()["effective_on"] == day.isoformat()  # approved, but not its day yet
    clock.advance(dt.timedelta(days=3))
    admin = await as_user("ent-a-admin")
    applied = await client.post(fees + f"/fee-changes/{change['id']}/apply", headers=admin)
    assert applied.status_code == 200 and applied.json()["state"] == "applied"
    after = next(i for i in (await client.get(fees + "/fee-items/", headers=admin)).json()["items"] if i["id"] == item["id"])
    assert Decimal(after["unit_price"]) == Decimal("9.9")
