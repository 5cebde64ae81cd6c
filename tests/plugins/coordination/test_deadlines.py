"""Time limits on the working-day calendar, escalation community → street → district, and whistles whose report-in is
missed — with the clock moved, never slept."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core import clock
from core.db import Scope
from core.notifications.models import Notification
from plugins.coordination.services.cases import check_deadlines, compounds_with_deadlines
from tests.plugins.coordination.conftest import DESK, case_url, department_of, moved, report


async def _run(db, compound_id):
    """The job's step for one compound, checking the job's look-up over the city (``compounds_with_deadlines``) named
    the compound whenever the step finds something to do: the job only runs the step where the look-up says."""
    async with db.session(Scope.everything("test")) as session:
        looked_up = compound_id in await compounds_with_deadlines(session)
    async with db.transaction(Scope.of([compound_id])) as session:
        report = await check_deadlines(session, compound_id)
    if report.breached or report.escalated or report.missed_report_ins:
        assert looked_up, f"check_deadlines found work the job's look-up did not name: {report}"
    return report


async def _told(db, city, username, kind) -> list[str]:
    async with db.session(Scope.everything("test")) as session:
        rows = await session.scalars(
            select(Notification.title)
            .where(Notification.user_id == city.users[username], Notification.kind == kind)
            .order_by(Notification.created_at)
        )
        return list(rows.all())


async def test_a_breach_escalates_community_then_street_then_district(client, as_user, city, db):
    admin, manager = await as_user("district-1-admin"), await as_user("ent-a-manager")
    a1 = city.compounds["A1"]
    r = await client.put(
        f"{DESK}/time-limits", json={"category": "noise", "priority": "normal", "response_hours": 4, "resolution_days": 2}, headers=admin
    )
    assert r.status_code == 200, r.text
    case = await report(client, manager, a1)
    # Monday 10:00 + 4 office hours (09:00–18:00) = Monday 14:00 (06:00 UTC); + 2 working days = Wednesday 10:00
    assert case["response_due_at"].startswith("2026-11-30T06:00") and case["resolution_due_at"].startswith("2026-12-02T02:00")
    assert (await _run(db, a1)).breached == 0
    clock.advance(dt.timedelta(hours=4, minutes=1))
    first = await _run(db, a1)
    assert (first.breached, first.escalated) == (1, 1)
    seen = (await client.get(case_url(a1, case["id"]), headers=admin)).json()
    assert seen["level"] == "community" and seen["response_breached"] and not seen["resolution_breached"]
    assert (await _run(db, a1)).escalated == 0  # once per level
    clock.advance(dt.timedelta(hours=20))  # Tuesday 10:01: 5 office hours after the breach, still the community
    assert (await _run(db, a1)).escalated == 0
    clock.advance(dt.timedelta(hours=3, minutes=30))  # Tuesday 13:31: 8 office hours (09:00–17:30) after the breach → the street
    assert (await _run(db, a1)).escalated == 1
    admin = await as_user("district-1-admin")  # tokens live 12 hours
    assert (await client.get(case_url(a1, case["id"]), headers=admin)).json()["level"] == "street"
    clock.advance(dt.timedelta(hours=23, minutes=30))  # Wednesday 13:01: 16 office hours after the breach; resolution due at 10:00
    report_ = await _run(db, a1)
    assert (report_.breached, report_.escalated) == (1, 1)
    admin = await as_user("district-1-admin")
    seen = (await client.get(case_url(a1, case["id"]), headers=admin)).json()
    assert seen["level"] == "district" and seen["resolution_breached"] and seen["escalation_level"] == 3
    assert [e["note"] for e in seen["timeline"] if e["action"] == "escalate"] == ["community", "street", "district"]
    titles = await _told(db, city, "district-1-admin", "coordination.case.escalated")
    assert [t.split("）")[0].split("（")[1] for t in titles] == ["社区", "街道", "区级"]
    escalated = (await client.get(f"{DESK}/cases?escalated=true", headers=admin)).json()
    assert case["id"] in [c["id"] for c in escalated["items"]]


async def test_a_weekend_does_not_count(client, as_user, city, db):
    a1 = city.compounds["A1"]
    clock.advance(dt.timedelta(days=4, hours=7))  # Friday 17:00
    admin, manager = await as_user("district-1-admin"), await as_user("ent-a-manager")
    case = await report(client, manager, a1, priority="urgent")  # 2 office hours: half an hour on Friday, Monday 10:30
    assert case["response_due_at"].startswith("2026-12-07T02:30"), case["response_due_at"]
    clock.advance(dt.timedelta(days=2))  # Sunday 17:00
    await _run(db, a1)
    admin = await as_user("district-1-admin")
    assert not (await client.get(case_url(a1, case["id"]), headers=admin)).json()["response_breached"]
    moved_ = await moved(client, admin, case, "accept")
    assert moved_["state"] == "accepted"


async def test_a_whistle_where_one_department_misses_its_report_in(client, as_user, city, db, second_department):
    admin, manager, officer = await as_user("district-1-admin"), await as_user("ent-a-manager"), await as_user("officer-1")
    a1, dept = city.compounds["A1"], await department_of(db, city)
    law = {p["name"]: p for p in (await client.get(f"{DESK}/departments/performance", headers=admin)).json()["items"]}["文峰区城管执法局"]
    before = {"calls": law["calls"], "missed": law["missed_report_ins"]}
    case = await report(client, manager, a1, category="illegal_building", title="顶楼私搭乱建")
    case = await moved(client, admin, case, "accept")
    r = await client.post(
        case_url(a1, case["id"], "whistle"),
        json={"department_ids": [str(dept), str(second_department)], "note": "联合执法，明早现场", "hours": 2},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert {c["department_name"] for c in r.json()["calls"]} == {"文峰区城管执法局", "文峰区住建局"}
    # the officer's department was summoned: it sees the case and reports in on time
    seen = (await client.get(case_url(a1, case["id"]), headers=officer)).json()
    assert seen["may_report_in"]
    assert await _told(db, city, "officer-1", "coordination.case.whistle")
    clock.advance(dt.timedelta(hours=1))
    r = await client.post(case_url(a1, case["id"], "report-in"), json={"note": "中队已到场"}, headers=officer)
    assert r.status_code == 200, r.text
    again = await client.post(case_url(a1, case["id"], "report-in"), json={"note": "again"}, headers=officer)
    assert again.status_code == 409
    clock.advance(dt.timedelta(hours=1, minutes=1))  # past the 2 office hours
    assert (await _run(db, a1)).missed_report_ins == 1
    assert (await _run(db, a1)).missed_report_ins == 0  # flagged once
    seen = (await client.get(case_url(a1, case["id"]), headers=admin)).json()
    calls = {c["department_name"]: c for c in seen["calls"]}
    assert not calls["文峰区城管执法局"]["missed"] and calls["文峰区城管执法局"]["reported_at"]
    assert calls["文峰区住建局"]["missed"] and calls["文峰区住建局"]["reported_at"] is None
    assert [e["action"] for e in seen["timeline"]][-3:] == ["whistle", "report_in", "report_in_missed"]
    perf = {p["name"]: p for p in (await client.get(f"{DESK}/departments/performance", headers=admin)).json()["items"]}
    assert (perf["文峰区城管执法局"]["calls"] - before["calls"], perf["文峰区城管执法局"]["missed_report_ins"]) == (1, before["missed"])
    assert (perf["文峰区住建局"]["calls"], perf["文峰区住建局"]["missed_report_ins"]) == (1, 1)
    assert await _told(db, city, "district-1-admin", "coordination.case.report_in_missed")
    # a whistle names departments of the case's district only, and is the desk's to blow
    other = await department_of(db, city, "D2")
    bad = await client.post(case_url(a1, case["id"], "whistle"), json={"department_ids": [str(other)]}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "department_ids"
    assert (
        await client.post(case_url(a1, case["id"], "whistle"), json={"department_ids": [str(dept)]}, headers=officer)
    ).status_code == 403
