"""Issue 14, points 1 and 2 through the API: an owner is one head however registered (the same account, the same ID
card, or the committee's link on a draft roll, frozen at opening), and a paper ballot never silently replaces an
owner's own online ballot."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from core import clock
from core.db import Scope
from core.notifications.models import Notification
from core.testing.statements import least, recording
from plugins.co_building.models.consultation import Ballot, BallotRecord
from tenants.models import Household, Resident
from tests.support.pre_review import approve_vote_review

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(NOW):
        yield


def base(city) -> str:
    return f"/api/v1/compounds/{city.compounds['A1']}/co_building/votes"


async def _draft(client, headers) -> dict:
    closes = (NOW + dt.timedelta(days=2)).isoformat()
    r = await client.post(
        base_url[0] + "/", json={"title": "选聘物业", "matter": "hire_property_company", "closes_at": closes}, headers=headers
    )
    assert r.status_code == 201, r.text
    vote = r.json()
    # the party organisation reviews the matter first (前置把关); the draft stays a draft until opened
    await approve_vote_review(client, base_url[0].split("/compounds/")[1].split("/")[0], vote["id"], headers)
    return vote


base_url: list[str] = [""]


async def _roll(client, url, headers) -> dict:
    r = await client.get(url + "/roll", params={"limit": 200}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def _owners_without_id_card(db, city, n: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(room, resident) of ``n`` owners in A1 with no account, registered without an ID card from now on."""
    async with db.transaction(Scope.everything("test")) as session:
        rows = (
            await session.execute(
                select(Household.room_id, Resident)
                .join(Resident, (Resident.compound_id == Household.compound_id) & (Resident.household_id == Household.id))
                .where(Household.compound_id == city.compounds["A1"], Resident.role == "owner", Resident.user_id.is_(None))
                .order_by(Resident.id.desc())
                .limit(n)
            )
        ).all()
        for _, resident in rows:
            resident.id_card_cipher, resident.id_card_index, resident.name = None, None, "王建华"
        return [(room, resident.id) for room, resident in rows]


async def test_two_rooms_of_one_owner_without_an_id_card_linked_on_the_roll_count_once_and_the_roll_freezes(client, as_user, city, db):
    district = await as_user("district-1-admin")
    base_url[0] = base(city)
    (room_a, _), (room_b, _) = await _owners_without_id_card(db, city, 2)
    vote = await _draft(client, district)
    url = f"{base(city)}/{vote['id']}"
    before = await _roll(client, url, district)
    heads_before = before["total"]
    # the demo: 25 owners' rooms (赵桂兰's two in 3号楼 not yet linked) + the developer's rooms (unsold and undelivered) as one head
    assert heads_before == 26
    developer = next(h for h in before["items"] if h["developer"])
    assert len(developer["rooms"]) == 2

    # the committee links the two rooms: one person registered twice without an ID card
    bad = await client.post(url + "/roll/links", json={"room_id": str(room_a), "same_as_room_id": str(room_a)}, headers=district)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "same_as_room_id"
    dev_room = developer["rooms"][0]["room_id"]
    bad = await client.post(url + "/roll/links", json={"room_id": dev_room, "same_as_room_id": str(room_a)}, headers=district)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "room_id"
    resident = await as_user("resident-a1")
    assert (
        await client.post(url + "/roll/links", json={"room_id": str(room_b), "same_as_room_id": str(room_a)}, headers=resident)
    ).status_code == 403
    r = await client.post(
        url + "/roll/links", json={"room_id": str(room_b), "same_as_room_id": str(room_a), "note": "同一业主"}, headers=district
    )
    assert r.status_code == 200, r.text
    head = r.json()
    assert {x["room_id"] for x in head["rooms"]} == {str(room_a), str(room_b)}
    assert head["area"] == str(sum(__import__("decimal").Decimal(x["area"]) for x in head["rooms"]))
    linked = next(x for x in head["rooms"] if x["room_id"] == str(room_b))
    assert linked["linked_to_room_id"] == str(room_a) and linked["linked_by"] and linked["linked_at"]
    assert (await _roll(client, url, district))["total"] == heads_before - 1

    opened = await client.post(url + "/open", headers=district)
    assert opened.status_code == 200 and opened.json()["total_heads"] == heads_before - 1
    # frozen: no more links, nor undoing one
    late = await client.post(url + "/roll/links", json={"room_id": str(room_a), "same_as_room_id": str(room_b)}, headers=district)
    assert late.status_code == 409 and late.json()["type"].endswith("/roll-frozen")
    assert (await client.delete(url + f"/roll/links/{room_b}", headers=district)).status_code == 409
    frozen = await _roll(client, url, district)
    assert frozen["total"] == heads_before - 1
    assert any({x["room_id"] for x in h["rooms"]} == {str(room_a), str(room_b)} for h in frozen["items"])
    # one head, one paper ballot: entering the second room's ballot replaces the first (paper over paper needs no reason)
    for room in (room_a, room_b):
        r = await client.post(url + "/paper-ballots", json={"room_id": str(room), "choice": "approve"}, headers=district)
        assert r.status_code == 200, r.text
    assert (await client.get(url, headers=district)).json()["ballots_cast"] == 1


async def test_an_owner_of_two_rooms_by_one_account_counts_once_and_votes_online(client, as_user, city, db):
    district = await as_user("district-1-admin")
    base_url[0] = base(city)
    [(room, resident_id)] = await _owners_without_id_card(db, city, 1)
    async with db.transaction(Scope.everything("test")) as session:
        (await session.get(Resident, (city.compounds["A1"], resident_id))).user_id = city.users["resident-a1"]
    vote = await _draft(client, district)
    url = f"{base(city)}/{vote['id']}"
    opened = (await client.post(url + "/open", headers=district)).json()
    assert opened["total_heads"] == 25  # the demo's 26 heads, resident-a1's two rooms now one head
    owner = await as_user("resident-a1")
    mine = (await client.get(url, headers=owner)).json()
    assert mine["may_vote"]
    r = await client.post(url + "/ballot", json={"choice": "approve"}, headers=owner)
    assert r.status_code == 200 and r.json()["my_ballot"] == "approve"
    heads = (await _roll(client, url, district))["items"]
    assert any(str(room) in {x["room_id"] for x in h["rooms"]} and len(h["rooms"]) == 2 for h in heads)


async def test_a_paper_ballot_over_an_online_one_needs_a_reason_keeps_both_and_tells_the_owner(client, as_user, city, db):
    district, owner = await as_user("district-1-admin"), await as_user("resident-a1")
    base_url[0] = base(city)
    vote = await _draft(client, district)
    url = f"{base(city)}/{vote['id']}"
    await client.post(url + "/open", headers=district)
    assert (await client.post(url + "/ballot", json={"choice": "approve"}, headers=owner)).status_code == 200
    rooms = await client.get(f"/api/v1/compounds/{city.compounds['A1']}/co_building/my-rooms", headers=owner)
    room = rooms.json()["items"][0]["room_id"]

    async def records() -> int:
        async with db.session(Scope.everything("test")) as session:
            return await session.scalar(select(func.count()).select_from(BallotRecord).where(BallotRecord.vote_id == uuid.UUID(vote["id"])))

    refused = await client.post(url + "/paper-ballots", json={"room_id": room, "choice": "reject"}, headers=district)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    assert await records() == 1 and (await client.get(url, headers=owner)).json()["my_ballot"] == "approve"

    r = await client.post(
        url + "/paper-ballots",
        json={"room_id": room, "choice": "reject", "reason": "业主本人签字的书面表决票，声明以书面票为准"},
        headers=district,
    )
    assert r.status_code == 200, r.text
    assert r.json()["channel"] == "paper" and r.json()["counts"] and r.json()["entered_by"] and r.json()["reason"].startswith("业主本人")
    assert await records() == 2
    # the owner is told, and sees what now counts
    async with db.session(Scope.everything("test")) as session:
        told = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == city.users["resident-a1"], Notification.kind == "co_building.ballot.superseded")
        )
    assert told == 1
    assert (await client.get(url, headers=owner)).json()["my_ballot"] == "reject"
    # the list shows both, and which one counts
    listed = (await client.get(url + "/ballots", headers=district)).json()
    assert listed["total"] == 2
    online = next(b for b in listed["items"] if b["channel"] == "online")
    paper = next(b for b in listed["items"] if b["channel"] == "paper")
    assert not online["counts"] and online["superseded_at"] and online["choice"] == "approve"
    assert paper["counts"] and paper["choice"] == "reject" and paper["room_label"]
    # the export and the tally carry the history
    xlsx = await client.get(url + "/ballots.xlsx", headers=district)
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["表决票"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert sorted((v[3], v[7]) for v in values) == [("书面", "是"), ("网上", "否")]
    closed = (await client.post(url + "/close", headers=district)).json()
    assert closed["result"]["ballots_entered"] == 2 and closed["result"]["paper_over_online"] == 1
    assert closed["result"]["participating_heads"] == 1 and closed["result"]["approving_heads"] == 0
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(func.count()).select_from(Ballot).where(Ballot.vote_id == uuid.UUID(vote["id"]))) == 1


async def test_the_ballot_and_roll_lists_cost_the_same_for_5_and_50_rows(app, client, as_user, city):
    district = await as_user("district-1-admin")
    votes = (await client.get(base(city) + "/", headers=district)).json()["items"]
    closed = next(v for v in votes if v["state"] == "closed")  # the demo's: paper ballots for most rooms
    url = f"{base(city)}/{closed['id']}"
    for path in ("/ballots", "/roll"):
        await client.get(url + path, headers=district)  # warm
        counts = {}
        for limit in (5, 50):
            counts[limit], r = await least(app, lambda: client.get(url + path, params={"limit": limit}, headers=district))  # noqa: B023
            assert r.status_code == 200, r.text
        assert len(r.json()["items"]) > 5
        assert counts[5] == counts[50], (path, counts)


async def test_the_vote_list_costs_the_same_for_one_reviewed_matter_and_for_several(app, client, as_user, city):
    """The pre-review column is one statement for the page, whatever the number of votes and of reviewed matters."""
    district = await as_user("district-1-admin")
    url = base(city) + "/"
    closes = (NOW + dt.timedelta(days=2)).isoformat()
    # newest first: the page of 1 holds one reviewed matter, the page of 5 three of them and two that need none
    for matter in ("other", "make_rules", "use_maintenance_fund", "hire_property_company", "elect_committee"):
        clock.advance(dt.timedelta(seconds=1))
        r = await client.post(url, json={"title": f"表决 {matter}", "matter": matter, "closes_at": closes}, headers=district)
        assert r.status_code == 201, r.text
    await client.get(url, headers=district)  # warm
    counts, reviews = {}, {}
    for limit in (1, 5, 50):
        with recording(app) as seen:
            r = await client.get(url, params={"limit": limit}, headers=district)
        assert r.status_code == 200, r.text
        reviews[limit] = sum("party_pre_reviews" in statement for statement in seen)
        counts[limit], r = await least(app, lambda: client.get(url, params={"limit": limit}, headers=district))  # noqa: B023
    print(f"\nlistVotes statements by page size: {counts}, of them reading pre-reviews: {reviews}")
    items = r.json()["items"]
    assert len(items) > 5
    reviewed = {v["matter"] for v in items if v["pre_review"] is not None}
    assert reviewed == {"elect_committee", "hire_property_company", "use_maintenance_fund"}
    assert {v["pre_review"] for v in items if v["pre_review"]} >= {"missing", "requested", "approve"}  # the demo's reviews too
    assert reviews == {1: 1, 5: 1, 50: 1}, reviews
    assert counts[1] == counts[5] == counts[50], counts
