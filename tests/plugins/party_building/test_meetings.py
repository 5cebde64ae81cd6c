"""Meetings, resolutions and action items: invitations, sign-in, the assigned event, overdue items and missed meetings (the clock moves, nobody sleeps)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core import clock
from core.db import Scope
from core.events.models import OutboxEvent
from core.notifications.models import Notification
from plugins.party_building import jobs, services
from plugins.party_building import schemas as s
from plugins.party_building.models import ActionItem, Meeting, MeetingAttendee, MeetingGap, Resolution

from .conftest import api, context_for, count, principal_for

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


async def _events(db, type_: str) -> list[OutboxEvent]:
    async with db.session(Scope.everything("test")) as session:
        return list((await session.scalars(select(OutboxEvent).where(OutboxEvent.type == type_).order_by(OutboxEvent.id))).all())


async def _notes(db, user_id, kind: str) -> list[Notification]:
    async with db.session(Scope.everything("test")) as session:
        return list((await session.scalars(select(Notification).where(Notification.user_id == user_id, Notification.kind == kind))).all())


async def _joint_meeting(client, h, compound_id, **extra) -> dict:
    when = (clock.now() - dt.timedelta(hours=2)).astimezone(SHANGHAI).isoformat()
    body = {"kind": "joint", "title": "十二月联席会议", "scheduled_at": when, "location": "党群服务中心", "agenda": "电梯加装", **extra}
    r = await client.post(api(compound_id, "/meetings"), json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_meeting_without_a_date_is_refused_and_nothing_is_written(client, as_user, city, db):
    h = await as_user("party-secretary-1")
    before = (await count(db, Meeting), await count(db, MeetingAttendee), await count(db, Notification))
    r = await client.post(api(city.compounds["A1"], "/meetings"), json={"kind": "joint", "title": "没有日期的会议"}, headers=h)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["status"] == 400 and any(e["field"] == "scheduled_at" for e in body["errors"])
    branch = await client.post(
        api(city.compounds["A1"], "/meetings"),
        json={"kind": "theme_day", "title": "主题党日", "scheduled_at": "2026-12-01T09:00:00+08:00"},
        headers=h,
    )
    assert branch.status_code == 422 and branch.json()["errors"][0]["field"] == "organisation_id"
    assert (await count(db, Meeting), await count(db, MeetingAttendee), await count(db, Notification)) == before


async def test_joint_meeting_invites_signs_in_minutes_resolution_and_the_assigned_event(client, as_user, city, db):
    h = await as_user("party-secretary-1")
    a1 = city.compounds["A1"]
    meeting = await _joint_meeting(client, h, a1)
    sides = {(a["side"], a["name"]) for a in meeting["attendees"]}
    assert ("party", "东关社区党委书记") in sides and ("property", "红城物业项目经理") in sides
    assert {a["side"] for a in meeting["attendees"]} >= {"party", "committee", "property"}
    assert await _notes(db, city.users["ent-a-manager"], "party_building.meeting_invitation")

    # the QR code's secret signs in whoever scans it, as themselves; a wrong code does nothing
    m = await as_user("ent-a-manager")
    assert (await client.get(api(a1, f"/meetings/{meeting['id']}"), headers=m)).json()["sign_in_code"] is None  # only the keeper sees it
    wrong = await client.post(api(a1, f"/meetings/{meeting['id']}/sign-in"), json={"code": "guess"}, headers=m)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "code"
    signed = await client.post(api(a1, f"/meetings/{meeting['id']}/sign-in"), json={"code": meeting["sign_in_code"]}, headers=m)
    assert signed.status_code == 200 and signed.json()["sign_in_method"] == "qr" and signed.json()["invited"] is True

    due = (clock.now().astimezone(SHANGHAI).date() + dt.timedelta(days=7)).isoformat()
    minutes = {
        "minutes": "议定加装电梯前期工作。",
        "resolutions": [
            {
                "text": "启动3号楼电梯加装意见征集",
                "action_items": [
                    {"title": "张贴征集公告并统计意见", "owner_kind": "property_company", "due_on": due},
                    {"title": "组织业主协商", "owner_kind": "owners_committee", "due_on": due},
                ],
            }
        ],
    }
    r = await client.post(api(a1, f"/meetings/{meeting['id']}/minutes"), json=minutes, headers=h)
    assert r.status_code == 200, r.text
    held = r.json()
    assert held["status"] == "held" and len(held["resolutions"][0]["action_items"]) == 2
    item = next(i for i in held["resolutions"][0]["action_items"] if i["owner_kind"] == "property_company")
    assert item["owner_name"] == "安阳红城物业服务有限公司" and item["owner_tenant_id"] == str(city.tenants["A"])

    assigned = [e for e in await _events(db, "party_building.action_item.assigned") if e.payload["action_item_id"] == item["id"]]
    assert len(assigned) == 1 and assigned[0].compound_id == a1
    payload = assigned[0].payload
    assert payload["owner_kind"] == "property_company" and payload["owner_tenant_id"] == str(city.tenants["A"])
    assert (
        payload["title"] == "张贴征集公告并统计意见" and payload["due_on"] == due and payload["resolution"] == "启动3号楼电梯加装意见征集"
    )
    assert any("张贴征集公告" in n.title for n in await _notes(db, city.users["ent-a-manager"], "party_building.action_item_assigned"))

    # a held meeting is final: 409 naming the allowed moves
    again = await client.post(api(a1, f"/meetings/{meeting['id']}/minutes"), json=minutes, headers=h)
    assert again.status_code == 409 and "allowed" in again.json()
    assert (await client.post(api(a1, f"/meetings/{meeting['id']}/cancel"), headers=h)).status_code == 409

    # the property manager closes it with evidence; enterprise B cannot even see it; a second close is refused
    assert (
        await client.post(api(a1, f"/action-items/{item['id']}/close"), json={"evidence": "x"}, headers=await as_user("ent-b-admin"))
    ).status_code == 404
    closed = await client.post(api(a1, f"/action-items/{item['id']}/close"), json={"evidence": "公告已张贴，收回意见表 48 份。"}, headers=m)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["closed_on_time"] is True
    twice = await client.post(api(a1, f"/action-items/{item['id']}/close"), json={"evidence": "again"}, headers=m)
    assert twice.status_code == 409 and twice.json()["allowed"] == []
    # the owners' committee's item is not the property company's to close
    other = next(i for i in held["resolutions"][0]["action_items"] if i["owner_kind"] == "owners_committee")
    refused = await client.post(api(a1, f"/action-items/{other['id']}/close"), json={"evidence": "不是我们的"}, headers=m)
    assert refused.status_code == 403 and refused.json()["type"].endswith("/not-owner")
    assert len(await _events(db, "party_building.action_item.closed")) == 1


async def test_an_overdue_action_item_notifies_its_owner_once_and_counts_against_them(client, as_user, city, db):
    h = await as_user("party-secretary-1")
    a1 = city.compounds["A1"]
    meeting = await _joint_meeting(client, h, a1)
    due = clock.now().astimezone(SHANGHAI).date() + dt.timedelta(days=2)
    body = {
        "minutes": "议定整治楼道照明。",
        "resolutions": [
            {
                "text": "修复楼道照明",
                "action_items": [{"title": "更换2号楼声控灯", "owner_kind": "property_company", "due_on": due.isoformat()}],
            }
        ],
    }
    held = (await client.post(api(a1, f"/meetings/{meeting['id']}/minutes"), json=body, headers=h)).json()
    item_id = held["resolutions"][0]["action_items"][0]["id"]

    assert await jobs.flag_overdue_action_items(db, [a1]) == 1  # only the demo's item, overdue since it was built
    clock.advance(dt.timedelta(days=3))  # past the due date, in the compound's time zone
    assert await jobs.flag_overdue_action_items(db, [a1]) == 1
    assert await jobs.flag_overdue_action_items(db, [a1]) == 0  # idempotent: told once
    notes = await _notes(db, city.users["ent-a-manager"], "party_building.action_item_overdue")
    assert [n.title for n in notes if "声控灯" in n.title] == ["任务逾期：更换2号楼声控灯"]
    assert any(
        "声控灯" in n.title for n in await _notes(db, city.users["party-secretary-1"], "party_building.action_item_overdue")
    )  # who held the meeting
    overdue = [e for e in await _events(db, "party_building.action_item.lapsed") if e.payload["action_item_id"] == item_id]
    assert len(overdue) == 1

    m = await as_user("ent-a-manager")
    board = (await client.get(api(a1, "/action-items"), params={"overdue": "true"}, headers=m)).json()["items"]
    assert item_id in {i["id"] for i in board} and all(i["overdue"] for i in board)
    tally = next(
        t for t in (await client.get(api(a1, "/action-items/tallies"), headers=m)).json()["items"] if t["owner_kind"] == "property_company"
    )
    assert tally["overdue"] == 2 and tally["closed_on_time"] == 1
    late = await client.post(api(a1, f"/action-items/{item_id}/close"), json={"evidence": "已更换。"}, headers=m)
    assert late.json()["closed_on_time"] is False and late.json()["overdue"] is False
    tally = next(
        t for t in (await client.get(api(a1, "/action-items/tallies"), headers=m)).json()["items"] if t["owner_kind"] == "property_company"
    )
    assert (tally["overdue"], tally["closed_late"]) == (1, 1)


async def test_the_job_flags_compounds_that_missed_the_required_joint_meeting(client, app, db, city):
    """(``client`` starts the app, which writes the role templates the job reads to find whom to tell.)"""
    a1, a2, b1 = city.compounds["A1"], city.compounds["A2"], city.compounds["B1"]
    secretary = principal_for(city.tenants["D1"], "district", [a1, a2, b1], city.users["party-secretary-1"], "东关社区党委书记")
    # A1 holds its February joint meeting; A2 holds none; B1 does not have the module
    with clock.frozen_at(dt.datetime(2031, 2, 10, 14, 0, tzinfo=SHANGHAI)):
        async with db.transaction(secretary.scope) as session:
            meeting = await services.create_meeting(
                context_for(secretary, session, app),
                a1,
                s.MeetingIn(kind="joint", title="二月联席会议", scheduled_at=dt.datetime(2031, 2, 10, 9, 30, tzinfo=SHANGHAI)),
            )
            await services.record_minutes(context_for(secretary, session, app), a1, meeting.id, s.MinutesIn(minutes="按期召开。"))
    with clock.frozen_at(dt.datetime(2031, 3, 1, 0, 30, tzinfo=SHANGHAI)):  # the first half-hour of March, local time
        assert await jobs.flag_missed_meetings(db, [a1, a2, b1]) > 0
        assert await jobs.flag_missed_meetings(db, [a1, a2, b1]) == 0  # once per period
    async with db.session(Scope.everything("test")) as session:
        gaps = {(g.compound_id, g.kind): g for g in (await session.scalars(select(MeetingGap))).all()}
    assert (a1, "joint") not in gaps
    feb = gaps[(a2, "joint")]
    assert (feb.period_start, feb.period_end, feb.required, feb.held) == (dt.date(2031, 2, 1), dt.date(2031, 3, 1), 1, 0)
    assert not any(cid == b1 for cid, _ in gaps)  # the module is off there: the job skips it
    assert (a1, "theme_day") in gaps  # A1 has a branch, so 三会一课 and 主题党日 are required of it too
    notes = await _notes(db, city.users["party-secretary-1"], "party_building.meeting_missed")
    assert any("书香苑" in n.title and "2031-02" in n.title for n in notes)
    assert [
        e.payload["period"]
        for e in await _events(db, "party_building.meeting.missed")
        if e.compound_id == a2 and e.payload["kind"] == "joint"
    ] == ["2031-02"]

    # the district asks for two joint meetings a month: A1's one in March falls short
    async with db.transaction(Scope.everything("test")) as session:
        await services.set_requirement(context_for(secretary, session, app), s.RequirementIn(kind="joint", period="month", minimum=2))
    with clock.frozen_at(dt.datetime(2031, 3, 15, 9, 0, tzinfo=SHANGHAI)):
        async with db.transaction(secretary.scope) as session:
            meeting = await services.create_meeting(
                context_for(secretary, session, app),
                a1,
                s.MeetingIn(kind="joint", title="三月联席会议", scheduled_at=dt.datetime(2031, 3, 15, 8, 0, tzinfo=SHANGHAI)),
            )
            await services.record_minutes(context_for(secretary, session, app), a1, meeting.id, s.MinutesIn(minutes="按期召开。"))
    with clock.frozen_at(dt.datetime(2031, 4, 2, 9, 0, tzinfo=SHANGHAI)):
        await jobs.flag_missed_meetings(db, [a1])
    async with db.session(Scope.everything("test")) as session:
        march = await session.scalar(select(MeetingGap).where(MeetingGap.compound_id == a1, MeetingGap.kind == "joint"))
    assert (march.period_start, march.required, march.held) == (dt.date(2031, 3, 1), 2, 1)


async def test_resolutions_on_a_planned_meeting_and_items_due_before_it_are_refused(client, as_user, city, db):
    h = await as_user("party-secretary-1")
    a1 = city.compounds["A1"]
    meeting = await _joint_meeting(client, h, a1)
    early = await client.post(api(a1, f"/meetings/{meeting['id']}/resolutions"), json={"text": "x"}, headers=h)
    assert early.status_code == 409
    before = (await count(db, Resolution), await count(db, ActionItem))
    past = (clock.now() - dt.timedelta(days=30)).date().isoformat()
    body = {
        "minutes": "m",
        "resolutions": [{"text": "r", "action_items": [{"title": "t", "owner_kind": "property_company", "due_on": past}]}],
    }
    r = await client.post(api(a1, f"/meetings/{meeting['id']}/minutes"), json=body, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "resolutions[0].action_items[0].due_on"
    assert (await count(db, Resolution), await count(db, ActionItem)) == before
    assert (await client.get(api(a1, f"/meetings/{meeting['id']}"), headers=h)).json()["status"] == "planned"


async def test_evidence_photos_attach_to_an_action_item(client, as_user, city, db):
    a1 = city.compounds["A1"]
    async with db.session(Scope.everything("test")) as session:
        item = await session.scalar(
            select(ActionItem).where(ActionItem.compound_id == a1, ActionItem.status == "open", ActionItem.owner_kind == "property_company")
        )
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    form = {"record_type": "party_building.action_item", "record_id": str(item.id)}
    up = await client.post(
        f"/api/v1/compounds/{a1}/attachments",
        data=form,
        files={"file": ("照片.png", png, "image/png")},
        headers=await as_user("ent-a-manager"),
    )
    assert up.status_code == 201, up.text
    listed = await client.get(f"/api/v1/compounds/{a1}/attachments", params=form, headers=await as_user("party-secretary-1"))
    assert [a["filename"] for a in listed.json()["items"]] == ["照片.png"]
    assert (await client.get(f"/api/v1/compounds/{a1}/attachments", params=form, headers=await as_user("resident-a1"))).status_code == 403
