"""The care list (关爱对象): who may read it, personal data masked and never logged, visits planned and missed ones flagged by the job."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

import pytest
from sqlalchemy import select, text

from core import clock
from core.db import Scope
from core.notifications.models import Notification
from plugins.co_building.jobs.featured import _plan_care_visits
from plugins.co_building.models.featured import CareSubject, CareVisit
from plugins.co_building.schemas import featured as s
from plugins.co_building.services import featured as services
from tests.plugins.co_building.support_featured_volunteers import count, resident_user, staff_user

C = "/api/v1/compounds/{}/co_building/care"
PHONE = "13912340077"
ID_CARD = "11010519491231002X"


class Runtime:
    """What the job needs of the job runtime: a database handle."""

    def __init__(self, db) -> None:
        self.db = db

    def database(self):
        return self.db


async def _subject(client, headers, compound, **extra):
    body = {
        "name": "孙桂芝",
        "category": "elderly_alone",
        "visit_every_days": 7,
        "address": "2号楼1单元102",
        "phone": PHONE,
        "id_card": ID_CARD,
        "needs": "独居老人",
        **extra,
    }
    r = await client.post(C.format(compound) + "/subjects", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


# --------------------------------------------------------------------------- who may read it


@pytest.mark.parametrize("username", ["ent-a-admin", "ent-a-manager", "district-1-admin"])
async def test_staff_and_district_read_the_care_list(client, as_user, city, username):
    r = await client.get(C.format(city.compounds["A1"]) + "/subjects", headers=await as_user(username))
    assert r.status_code == 200 and r.json()["total"] >= 3
    assert {"李秀英", "王德福", "赵桂兰"} <= {i["name"] for i in r.json()["items"]}


async def test_enterprise_staff_read_it_too(client, as_user, city, app, db):
    await staff_user(app, db, city, "staff-a", "enterprise_staff")
    r = await client.get(C.format(city.compounds["A1"]) + "/visits", headers=await as_user("staff-a"))
    assert r.status_code == 200


async def test_residents_committee_members_and_officers_cannot_read_it(client, as_user, city, app, db):
    await resident_user(app, db, city, "committee-a1", role="committee_member")
    a1 = city.compounds["A1"]
    for username in ("resident-a1", "committee-a1", "officer-1"):
        h = await as_user(username)
        for path in ("/subjects", "/visits"):
            r = await client.get(C.format(a1) + path, headers=h)
            assert r.status_code == 403, (username, path, r.text)
            assert r.json()["permission"] == {"object": "co_building.care", "action": "read"}


async def test_another_operators_staff_do_not_even_see_the_compound(client, as_user, city):
    r = await client.get(C.format(city.compounds["A1"]) + "/subjects", headers=await as_user("ent-b-admin"))
    assert r.status_code == 404


# --------------------------------------------------------------------------- personal data


async def test_phone_and_id_card_are_masked_for_roles_without_the_right(client, as_user, city):
    a1 = city.compounds["A1"]
    made = await _subject(client, await as_user("ent-a-admin"), a1)
    assert made["phone"] == PHONE and made["id_card"] == ID_CARD and not made["masked"]
    seen = (await client.get(C.format(a1) + f"/subjects/{made['id']}", headers=await as_user("district-1-admin"))).json()
    assert seen["masked"] and seen["phone"] == "139****0077" and seen["id_card"] == "1101**********002X"
    manager = (await client.get(C.format(a1) + f"/subjects/{made['id']}", headers=await as_user("ent-a-manager"))).json()
    assert manager["phone"] == PHONE


async def test_personal_data_is_never_logged(client, as_user, city, db, caplog):
    caplog.set_level(logging.INFO)  # what a deployment logs (a database driver's DEBUG trace is never on in production)
    caplog.set_level(logging.DEBUG, logger="redprop")
    a1 = city.compounds["A1"]
    made = await _subject(client, await as_user("ent-a-admin"), a1)
    await client.patch(C.format(a1) + f"/subjects/{made['id']}", json={"phone": "13912340088"}, headers=await as_user("ent-a-admin"))
    async with db.session(Scope.everything("test check")) as session:
        rows = (
            await session.execute(text("SELECT before, after FROM audit_entries WHERE target_type = 'co_building_care_subjects'"))
        ).all()
        stored = await session.scalar(select(CareSubject).where(CareSubject.id == uuid.UUID(made["id"])))
    audit = " ".join(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for row in rows for v in row if v)
    assert len(rows) == 2 and "139****0077" in audit  # the insert and the update were audited, masked
    for secret in (PHONE, "13912340088", ID_CARD):
        assert secret not in audit
        assert all(secret not in r.getMessage() for r in caplog.records)
    assert stored.id_card_cipher and ID_CARD.encode() not in bytes(stored.id_card_cipher)


async def test_bad_input_names_the_field_and_writes_nothing(client, as_user, city, db):
    a1 = city.compounds["A1"]
    h = await as_user("ent-a-admin")
    before = await count(db, CareSubject)
    for extra, status, field in (
        ({"visit_every_days": 0}, 422, "visit_every_days"),
        ({"visit_every_days": 91}, 422, "visit_every_days"),
        ({"id_card": "110105194912310021"}, 422, "id_card"),
        ({"resident_id": str(uuid.uuid4())}, 422, "resident_id"),
        ({"phone": "123"}, 400, "phone"),
    ):
        body = {"name": "测试", "category": "disabled", **extra}
        r = await client.post(C.format(a1) + "/subjects", json=body, headers=h)
        assert r.status_code == status and r.json()["errors"][0]["field"] == field, r.text
    assert await count(db, CareSubject) == before


# --------------------------------------------------------------------------- visits and the job


async def test_the_job_plans_visits_flags_missed_ones_and_tells_the_manager_idempotently(db, city):
    a1 = city.compounds["A1"]
    start = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
    with clock.frozen_at(start):
        async with db.transaction(Scope.of([a1])) as session:
            subject = await services.create_care_subject(
                session, a1, s.CareSubjectIn(name="周大爷", category="elderly_alone", visit_every_days=7)
            )
        runtime = Runtime(db)
        await _plan_care_visits(runtime)
        planned = await count(db, CareVisit, subject_id=subject.id)
        assert planned == 1
        await _plan_care_visits(runtime)
        assert await count(db, CareVisit, subject_id=subject.id) == 1  # the second run on the same day creates nothing
        async with db.session(Scope.everything("test")) as session:
            visit = await session.scalar(select(CareVisit).where(CareVisit.subject_id == subject.id))
            assert (visit.status, visit.due_on) == ("planned", dt.date(2026, 12, 8))
    notes_before = await count(db, Notification, user_id=city.users["ent-a-manager"], kind="co_building.care_visits_missed")
    with clock.frozen_at(start + dt.timedelta(days=8)):  # Dec 9: the visit due on Dec 8 was not made
        missed = await _plan_care_visits(Runtime(db))
        assert missed >= 1
        await _plan_care_visits(Runtime(db))
        async with db.session(Scope.everything("test")) as session:
            visits = (await session.scalars(select(CareVisit).where(CareVisit.subject_id == subject.id).order_by(CareVisit.due_on))).all()
    assert [(v.status, v.due_on) for v in visits] == [("missed", dt.date(2026, 12, 8)), ("planned", dt.date(2026, 12, 15))]
    assert visits[0].flagged_at is not None
    assert await count(db, Notification, user_id=city.users["ent-a-manager"], kind="co_building.care_visits_missed") == notes_before + 1


async def test_a_long_gap_flags_every_missed_period(db, city):
    a1 = city.compounds["A1"]
    start = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    with clock.frozen_at(start):
        async with db.transaction(Scope.of([a1])) as session:
            subject = await services.create_care_subject(
                session, a1, s.CareSubjectIn(name="吴奶奶", category="elderly_alone", visit_every_days=7)
            )
            await services.plan_care_visits(session, a1)
    with clock.frozen_at(start + dt.timedelta(days=30)):  # Dec 31: Dec 8, 15, 22, 29 went by
        async with db.transaction(Scope.of([a1])) as session:
            report = await services.plan_care_visits(session, a1)
            again = await services.plan_care_visits(session, a1)
    assert [v.due_on.day for subj, v in report.missed if subj.id == subject.id] == [8, 15, 22, 29]
    assert again.missed == [] and again.planned == 0


async def test_a_recorded_visit_fulfils_the_plan_and_the_next_one_follows(client, as_user, city, db):
    a1 = city.compounds["A1"]
    made = await _subject(client, await as_user("ent-a-admin"), a1, visit_every_days=14)
    h = await as_user("ent-a-manager")
    r = await client.post(
        C.format(a1) + f"/subjects/{made['id']}/visits", json={"notes": "陪同就医", "findings": "血压偏高", "follow_up": True}, headers=h
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "done" and r.json()["visitor_name"] and r.json()["findings"] == "血压偏高"
    board = (await client.get(C.format(a1) + "/visits", params={"subject_id": made["id"]}, headers=h)).json()["items"]
    statuses = sorted(v["status"] for v in board)
    assert statuses == ["done", "planned"]
    planned = next(v for v in board if v["status"] == "planned")
    visited = dt.datetime.fromisoformat(r.json()["visited_at"]).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert dt.date.fromisoformat(planned["due_on"]) == visited + dt.timedelta(days=14)
    subject = (await client.get(C.format(a1) + f"/subjects/{made['id']}", headers=h)).json()
    listed = next(
        i for i in (await client.get(C.format(a1) + "/subjects", params={"limit": 500}, headers=h)).json()["items"] if i["id"] == made["id"]
    )
    assert listed["next_due_on"] == planned["due_on"] and listed["last_visited_at"] is not None
    assert subject["visit_every_days"] == 14
    follow = await count(db, Notification, kind="co_building.care_follow_up")
    assert follow >= 1


async def test_a_visit_cannot_be_recorded_in_the_future(client, as_user, city, db):
    a1 = city.compounds["A1"]
    made = await _subject(client, await as_user("ent-a-admin"), a1)
    before = await count(db, CareVisit)
    r = await client.post(
        C.format(a1) + f"/subjects/{made['id']}/visits",
        json={"visited_at": (clock.now() + dt.timedelta(days=1)).isoformat()},
        headers=await as_user("ent-a-admin"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "visited_at"
    assert await count(db, CareVisit) == before


async def test_taking_someone_off_the_list_drops_their_planned_visit(db, city):
    a1 = city.compounds["A1"]
    async with db.transaction(Scope.of([a1])) as session:
        subject = await services.create_care_subject(session, a1, s.CareSubjectIn(name="郑伯", category="difficulty", visit_every_days=30))
        await services.plan_care_visits(session, a1)
        await services.update_care_subject(session, a1, subject.id, s.CareSubjectPatch(active=False))
        report = await services.plan_care_visits(session, a1)
    assert await count(db, CareVisit, subject_id=subject.id) == 0 and report.planned == 0


async def test_the_demo_has_a_missed_visit_and_the_job_is_scheduled(client, as_user, city, plugin_host):
    r = await client.get(C.format(city.compounds["A1"]) + "/visits", params={"status": "missed"}, headers=await as_user("ent-a-manager"))
    assert r.status_code == 200 and r.json()["total"] == 1 and r.json()["items"][0]["subject_name"] == "王德福"
    schedules = {item["actor"] for _, item in plugin_host.declared("redprop_schedules")}
    assert "co_building.plan_care_visits" in schedules


async def test_the_job_skips_compounds_where_the_module_is_off(db, city):
    b2 = city.compounds["B2"]
    async with db.transaction(Scope.of([b2])) as session:
        subject = await services.create_care_subject(session, b2, s.CareSubjectIn(name="钱奶奶", category="elderly_alone"))
    await _plan_care_visits(Runtime(db))
    assert await count(db, CareVisit, subject_id=subject.id) == 0


async def test_missed_visits_go_to_the_compounds_manager_else_the_operators_administrators(db, city):
    async with db.session(Scope.everything("test")) as session:
        assert await services.managers_of(session, city.compounds["A1"]) == [city.users["ent-a-manager"]]
        assert await services.managers_of(session, city.compounds["A2"]) == [city.users["ent-a-admin"]]


async def test_who_is_told_is_a_permission_a_custom_role_can_carry(db, city):
    """managers_of asks the role graph who holds co_building.care escalate; no role name is written in the code."""
    from core.authz.models import CasbinRule

    a2 = city.compounds["A2"]
    custom = f"custom:{city.tenants['A']}:care-desk"
    async with db.session(Scope.everything("test")) as session:
        session.add_all(
            [
                CasbinRule(ptype="p", v0=custom, v1="*", v2="co_building.care", v3="escalate"),
                CasbinRule(ptype="g", v0=f"u:{city.users['ent-a-staff']}", v1=custom, v2=f"compound:{a2}"),
            ]
        )
        await session.flush()
        # the custom role's holder is told; the administrators are the fallback only when nobody holds escalate
        assert await services.managers_of(session, a2) == [city.users["ent-a-staff"]]
        await session.rollback()


async def test_the_planning_job_reads_everyone_s_visits_at_once(db, city):
    """A run that changes nothing costs the same statements for the demo's three people as for eight."""
    from core.testing.statements import recording

    a1 = city.compounds["A1"]

    async def quiet_run() -> int:
        async with db.transaction(Scope.of([a1])) as session:
            await services.plan_care_visits(session, a1)  # settles today's plan
        with recording(db) as seen:
            async with db.transaction(Scope.of([a1])) as session:
                report = await services.plan_care_visits(session, a1)
        assert report.planned == 0 and report.missed == []
        return len(seen)

    three = await quiet_run()
    async with db.transaction(Scope.of([a1])) as session:
        for i in range(5):
            await services.create_care_subject(session, a1, s.CareSubjectIn(name=f"独居老人{i}", category="elderly_alone"))
    assert await quiet_run() == three
