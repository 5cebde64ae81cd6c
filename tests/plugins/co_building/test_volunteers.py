"""Red volunteers (红色志愿): profiles and personal data, activities with capacity, sign-up and the waiting list,
check-in and check-out by QR code, hours and points, rankings."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import clock
from core.db import Scope
from core.notifications.models import Notification
from core.problems import Problem
from plugins.co_building.models.volunteers import ActivitySignup, PointsEntry, Volunteer, VolunteerActivity
from plugins.co_building.schemas import volunteers as s
from plugins.co_building.services import volunteers as services
from tests.conftest import BACKEND
from tests.plugins.co_building.support_featured_volunteers import count, resident_principal, resident_user, staff_principal, staff_user

C = "/api/v1/compounds/{}/co_building"
DISTRICT_RANKINGS = "/api/v1/co_building/volunteers/rankings"
postgres_only = pytest.mark.skipif(BACKEND != "postgresql", reason="concurrent writers need PostgreSQL (REDPROP_TEST_BACKEND=postgresql)")


def _at(hours: float) -> str:
    return (clock.now() + dt.timedelta(hours=hours)).isoformat()


async def _activity(client, headers, compound, *, capacity=2, rule="per_hour", value=10, starts_in=24.0, length=3.0):
    body = {
        "title": f"楼道清洁 {uuid.uuid4().hex[:6]}",
        "starts_at": _at(starts_in),
        "ends_at": _at(starts_in + length),
        "capacity": capacity,
        "points_rule": rule,
        "points_value": value,
        "place": "1号楼",
    }
    r = await client.post(C.format(compound) + "/activities", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _token(db, compound, activity_id) -> str:
    async with db.session(Scope.everything("test")) as session:
        return (await session.get(VolunteerActivity, (compound, uuid.UUID(activity_id)))).checkin_token


# --------------------------------------------------------------------------- profiles


async def test_party_membership_and_phone_only_for_roles_that_need_them(client, as_user, city, app, db):
    a1 = city.compounds["A1"]
    admin = (await client.get(C.format(a1) + "/volunteers", headers=await as_user("ent-a-admin"))).json()["items"]
    assert {v["is_party_member"] for v in admin} == {True, False} and all(not v["masked"] for v in admin)
    district = (await client.get(C.format(a1) + "/volunteers", headers=await as_user("district-1-admin"))).json()["items"]
    assert any(v["is_party_member"] for v in district)
    await resident_user(app, db, city, "committee-v", role="committee_member")
    committee = await client.get(C.format(a1) + "/volunteers", headers=await as_user("committee-v"))
    assert committee.status_code == 200
    # committee members act for their household: they see their own profile only, which they have not got
    assert committee.json()["items"] == []
    # property staff without co_building.volunteer_pii get the list without party membership, phones masked
    await staff_user(app, db, city, "staff-v", "enterprise_staff")
    staff = (await client.get(C.format(a1) + "/volunteers", headers=await as_user("staff-v"))).json()["items"]
    assert staff and all(v["is_party_member"] is None and v["masked"] for v in staff)
    assert all(v["phone"] is None or v["phone"][3:7] == "****" for v in staff)


async def test_a_resident_registers_once_and_sees_only_their_own_profile(client, as_user, city, db):
    a1 = city.compounds["A1"]
    h = await as_user("resident-a1")
    r = await client.post(C.format(a1) + "/volunteers", json={"skills": "书法", "is_party_member": True}, headers=h)
    assert r.status_code == 201 and r.json()["name"] == "张建国" and r.json()["user_id"] == str(city.users["resident-a1"])
    before = await count(db, Volunteer)
    again = await client.post(C.format(a1) + "/volunteers", json={}, headers=h)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "user_id"
    assert await count(db, Volunteer) == before
    mine = (await client.get(C.format(a1) + "/volunteers", headers=h)).json()
    assert mine["total"] == 1 and mine["items"][0]["is_party_member"] is True  # their own data, in full
    teams = await client.post(C.format(a1) + "/volunteer-teams", json={"name": "x"}, headers=h)
    assert teams.status_code == 403


# --------------------------------------------------------------------------- activities and sign-ups


async def test_bad_activity_input_names_the_field_and_writes_nothing(client, as_user, city, db):
    a1 = city.compounds["A1"]
    h = await as_user("ent-a-manager")
    before = await count(db, VolunteerActivity)
    base = {"title": "t", "starts_at": _at(24), "ends_at": _at(26), "capacity": 5}
    for extra, field in (
        ({"points_value": -5}, "points_value"),
        ({"capacity": 0}, "capacity"),
        ({"ends_at": _at(23)}, "ends_at"),
        ({"team_id": str(uuid.uuid4())}, "team_id"),
    ):
        r = await client.post(C.format(a1) + "/activities", json={**base, **extra}, headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    assert await count(db, VolunteerActivity) == before
    resident = await client.post(C.format(a1) + "/activities", json=base, headers=await as_user("resident-a1"))
    assert resident.status_code == 403


async def test_a_second_sign_up_to_the_same_activity_is_refused_and_writes_nothing(client, as_user, city, db):
    a1 = city.compounds["A1"]
    activity = await _activity(client, await as_user("ent-a-manager"), a1, capacity=5)
    h = await as_user("resident-a1")
    first = await client.post(C.format(a1) + f"/activities/{activity['id']}/signups", json={}, headers=h)
    assert first.status_code == 201 and first.json()["status"] == "signed_up", first.text
    before = (await count(db, ActivitySignup), await count(db, Volunteer))
    second = await client.post(C.format(a1) + f"/activities/{activity['id']}/signups", json={}, headers=h)
    assert (
        second.status_code == 409 and second.json()["errors"][0]["field"] == "activity_id" and second.json()["signup_status"] == "signed_up"
    )
    assert (await count(db, ActivitySignup), await count(db, Volunteer)) == before
    shown = (await client.get(C.format(a1) + f"/activities/{activity['id']}", headers=h)).json()
    assert shown["signed_up"] == 1 and shown["my_signup"]["id"] == first.json()["id"]


async def test_the_waiting_list_moves_up_when_someone_cancels_and_tells_them(client, as_user, city, db, app):
    a1 = city.compounds["A1"]
    activity = await _activity(client, await as_user("ent-a-manager"), a1, capacity=1)
    url = C.format(a1) + f"/activities/{activity['id']}/signups"
    people = ["resident-a1"]
    for name in ("wait-one", "wait-two"):
        await resident_user(app, db, city, name)
        people.append(name)
    signed = [(await client.post(url, json={}, headers=await as_user(p))).json() for p in people]
    assert [x["status"] for x in signed] == ["signed_up", "waiting", "waiting"]
    assert [x["waiting_position"] for x in signed] == [None, 1, 2]
    second_view = (await client.get(C.format(a1) + f"/activities/{activity['id']}", headers=await as_user("wait-two"))).json()
    assert second_view["my_signup"]["waiting_position"] == 2 and second_view["waiting"] == 2
    # another person cannot cancel someone else's place
    other = await client.post(url + f"/{signed[0]['id']}/cancel", headers=await as_user("wait-one"))
    assert other.status_code == 404
    cancelled = await client.post(url + f"/{signed[0]['id']}/cancel", headers=await as_user("resident-a1"))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    listed = {x["volunteer_name"]: x for x in (await client.get(url, headers=await as_user("ent-a-manager"))).json()["items"]}
    statuses = sorted((x["status"], x["waiting_position"]) for x in listed.values())
    assert statuses == [("cancelled", None), ("signed_up", None), ("waiting", 1)]
    promoted_user = await _user_id(db, "wait-one")
    assert await count(db, Notification, user_id=promoted_user, kind="co_building.waiting_list_promoted") == 1
    activity_now = (await client.get(C.format(a1) + f"/activities/{activity['id']}", headers=await as_user("wait-two"))).json()
    assert activity_now["signed_up"] == 1 and activity_now["my_signup"]["waiting_position"] == 1


async def _user_id(db, username: str) -> uuid.UUID:
    from core.identity.models import User

    async with db.session(Scope.everything("test")) as session:
        return await session.scalar(select(User.id).where(User.username == username))


async def test_sign_ups_close_when_the_activity_starts(db, city):
    a1 = city.compounds["A1"]
    async with db.transaction(Scope.of([a1])) as session:
        activity = await services.create_activity(
            session,
            staff_principal(city),
            a1,
            s.ActivityIn(
                title="义诊", starts_at=clock.now() + dt.timedelta(hours=1), ends_at=clock.now() + dt.timedelta(hours=3), capacity=3
            ),
        )
    clock.advance(dt.timedelta(hours=2))
    async with db.transaction(Scope.of([a1])) as session:
        with pytest.raises(Problem) as caught:
            await services.sign_up(session, resident_principal(city), a1, activity.id, s.SignupIn(), for_others=False)
    assert caught.value.status == 409 and caught.value.slug == "activity-started"


# --------------------------------------------------------------------------- check-in, check-out, hours, points


async def test_check_in_and_out_by_qr_code_gives_hours_and_points(client, as_user, city, db):
    a1 = city.compounds["A1"]
    activity = await _activity(client, await as_user("ent-a-manager"), a1, capacity=5, rule="per_hour", value=10, starts_in=0.5, length=3)
    h = await as_user("resident-a1")
    await client.post(C.format(a1) + f"/activities/{activity['id']}/signups", json={}, headers=h)
    wrong = await client.post(C.format(a1) + f"/activities/{activity['id']}/attend", json={"token": "not-the-code"}, headers=h)
    assert wrong.status_code == 403 and wrong.json()["type"].endswith("/bad-check-in-token")
    token = await _token(db, a1, activity["id"])
    checked_in = await client.post(C.format(a1) + f"/activities/{activity['id']}/attend", json={"token": token}, headers=h)
    assert checked_in.status_code == 200 and checked_in.json()["status"] == "checked_in", checked_in.text
    clock.advance(dt.timedelta(hours=2, minutes=15))
    h = await as_user("resident-a1")
    out = await client.post(C.format(a1) + f"/activities/{activity['id']}/attend", json={"token": token}, headers=h)
    assert out.status_code == 200 and out.json()["status"] == "checked_out"
    assert Decimal(str(out.json()["hours"])) == Decimal("2.25") and out.json()["points"] == 23  # 22.5 rounds half up
    balance = (await client.get(C.format(a1) + "/points/balance", headers=h)).json()
    assert balance["balance"] == 23 and Decimal(str(balance["hours"])) == Decimal("2.25")
    ledger = (await client.get(C.format(a1) + "/points/ledger", headers=h)).json()["items"]
    assert [(e["delta"], e["balance_after"], e["kind"]) for e in ledger] == [(23, 23, "earn")]
    again = await client.post(C.format(a1) + f"/activities/{activity['id']}/attend", json={"token": token}, headers=h)
    assert again.status_code == 409 and again.json()["allowed"] == []


async def test_check_out_before_check_in_is_409_and_writes_nothing(client, as_user, city, db):
    a1 = city.compounds["A1"]
    staff = await as_user("ent-a-manager")
    activity = await _activity(client, staff, a1, capacity=5, starts_in=0.5)
    signup = (
        await client.post(C.format(a1) + f"/activities/{activity['id']}/signups", json={}, headers=await as_user("resident-a1"))
    ).json()
    before = (await count(db, PointsEntry), await count(db, ActivitySignup, status="checked_out"))
    r = await client.post(C.format(a1) + f"/activities/{activity['id']}/signups/{signup['id']}/check-out", json={}, headers=staff)
    assert r.status_code == 409 and r.json()["type"].endswith("/illegal-transition")
    assert r.json()["allowed"] == ["cancel", "check_in"] and "check out" in r.json()["detail"]
    assert (await count(db, PointsEntry), await count(db, ActivitySignup, status="checked_out")) == before
    async with db.session(Scope.everything("test")) as session:
        row = await session.get(ActivitySignup, (a1, uuid.UUID(signup["id"])))
        assert row.status == "signed_up" and row.checked_out_at is None


async def test_organisers_record_attendance_and_a_fixed_rule_gives_fixed_points(client, as_user, city, db):
    a1 = city.compounds["A1"]
    staff = await as_user("ent-a-manager")
    activity = await _activity(client, staff, a1, capacity=5, rule="fixed", value=20, starts_in=0.25, length=2)
    signup = (
        await client.post(C.format(a1) + f"/activities/{activity['id']}/signups", json={}, headers=await as_user("resident-a1"))
    ).json()
    url = C.format(a1) + f"/activities/{activity['id']}/signups/{signup['id']}"
    assert (await client.post(url + "/check-in", json={}, headers=staff)).json()["status"] == "checked_in"
    early = await client.post(url + "/check-out", json={"at": _at(-1)}, headers=staff)
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "at"
    clock.advance(dt.timedelta(hours=5))  # stayed longer than scheduled: hours count up to the activity's length
    staff = await as_user("ent-a-manager")
    out = (await client.post(url + "/check-out", json={}, headers=staff)).json()
    assert Decimal(str(out["hours"])) == Decimal("2.00") and out["points"] == 20
    resident = await client.post(url + "/check-in", json={}, headers=await as_user("resident-a1"))
    assert resident.status_code == 403


async def test_qr_code_is_an_svg_for_organisers_only(client, as_user, city):
    a1 = city.compounds["A1"]
    activity = await _activity(client, await as_user("ent-a-manager"), a1)
    r = await client.get(C.format(a1) + f"/activities/{activity['id']}/qr.svg", headers=await as_user("ent-a-manager"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml") and r.text.lstrip().startswith("<svg")
    assert (
        await client.get(C.format(a1) + f"/activities/{activity['id']}/qr.svg", headers=await as_user("resident-a1"))
    ).status_code == 403


def test_points_rule_rounds_half_up():
    activity = VolunteerActivity(points_rule="per_hour", points_value=10)
    assert services.points_for(activity, Decimal("2.25")) == 23
    assert services.points_for(activity, Decimal("0.04")) == 0
    assert services.points_for(VolunteerActivity(points_rule="fixed", points_value=15), Decimal("9.99")) == 15


# --------------------------------------------------------------------------- rankings


async def test_rankings_by_hours_and_points_in_the_compound_and_the_district(client, as_user, city):
    a1 = city.compounds["A1"]
    h = await as_user("district-1-admin")
    by_hours = (await client.get(C.format(a1) + "/volunteer-rankings", params={"by": "hours"}, headers=h)).json()
    assert [(r["rank"], r["name"]) for r in by_hours["items"]][:4] == [(1, "刘芳"), (1, "杨静"), (3, "陈磊"), (4, "赵强")]
    by_points = (await client.get(DISTRICT_RANKINGS, params={"by": "points", "scope": "district"}, headers=h)).json()
    assert by_points["items"][0]["points"] == 30 and by_points["items"][0]["compound_name"] == "红城·幸福家园"
    # a compound route sees its compound alone: asked for the district it names the district route instead
    wrong = await client.get(C.format(a1) + "/volunteer-rankings", params={"scope": "district"}, headers=h)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "scope" and DISTRICT_RANKINGS in wrong.text
    later = (
        await client.get(
            C.format(a1) + "/volunteer-rankings", params={"start": (clock.now() + dt.timedelta(days=2)).date().isoformat()}, headers=h
        )
    ).json()
    assert later["items"] == [] and later["total"] == 0
    bad = await client.get(C.format(a1) + "/volunteer-rankings", params={"start": "2026-12-10", "end": "2026-12-01"}, headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "end"


async def _volunteer_with_points(db, city, compound: str, name: str, points: int) -> uuid.UUID:
    """A volunteer of ``compound`` awarded ``points`` (through the services, in a session of that compound alone)."""
    cid = city.compounds[compound]
    async with db.transaction(Scope.of([cid])) as session:
        volunteer = await services.register_volunteer(session, staff_principal(city), cid, s.VolunteerIn(name=name), for_others=True)
        await services.post_points(session, cid, volunteer.id, points, "adjust", "表彰")
        return volunteer.id


async def test_a_district_user_sees_two_compounds_ranked_together_and_a_compound_route_sees_one(client, as_user, city, db):
    a1, a2 = city.compounds["A1"], city.compounds["A2"]
    star = await _volunteer_with_points(db, city, "A2", "书香苑志愿者", 500)
    off = await _volunteer_with_points(db, city, "B2", "解放小区志愿者", 900)  # D2, and co_building is off in B2
    h = await as_user("district-1-admin")
    district = await client.get(DISTRICT_RANKINGS, params={"by": "points", "scope": "district"}, headers=h)
    assert district.status_code == 200, district.text
    rows = district.json()["items"]
    assert rows[0]["volunteer_id"] == str(star) and rows[0]["rank"] == 1 and rows[0]["compound_name"] == "红城·书香苑"
    assert {r["compound_id"] for r in rows} == {str(a1), str(a2)}  # both compounds, one ranking
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    compound = (await client.get(C.format(a1) + "/volunteer-rankings", params={"by": "points"}, headers=h)).json()
    assert {r["compound_id"] for r in compound["items"]} == {str(a1)} and str(star) not in {r["volunteer_id"] for r in compound["items"]}
    assert district.json()["total"] == compound["total"] + 1
    # pages: ranks run over the whole list, so the second page carries on where the first stopped
    first = (await client.get(DISTRICT_RANKINGS, params={"by": "points", "limit": 2}, headers=h)).json()
    second = (await client.get(DISTRICT_RANKINGS, params={"by": "points", "limit": 2, "offset": 2}, headers=h)).json()
    assert [r["volunteer_id"] for r in first["items"] + second["items"]] == [r["volunteer_id"] for r in rows[:4]]
    assert [r["rank"] for r in second["items"]] == [r["rank"] for r in rows[2:4]]
    # the other district's admin reaches B2, where co_building is off: nobody of B2 is ranked
    other = (await client.get(DISTRICT_RANKINGS, params={"by": "points"}, headers=await as_user("district-2-admin"))).json()
    assert str(off) not in {r["volunteer_id"] for r in other["items"]}
    # an enterprise reaching compounds of two districts narrows to one with district_id
    ent = await as_user("ent-a-admin")
    everywhere = (await client.get(DISTRICT_RANKINGS, params={"by": "points"}, headers=ent)).json()
    one = (await client.get(DISTRICT_RANKINGS, params={"by": "points", "district_id": str(city.tenants["D1"])}, headers=ent)).json()
    assert {r["compound_id"] for r in one["items"]} == {str(a1), str(a2)}
    assert {r["compound_id"] for r in one["items"]} <= {r["compound_id"] for r in everywhere["items"]}


# --------------------------------------------------------------------------- concurrency


@postgres_only
async def test_two_sign_ups_for_the_last_place_never_overfill_the_activity(db, city):
    a1 = city.compounds["A1"]
    async with db.transaction(Scope.of([a1])) as session:
        activity = await services.create_activity(
            session,
            staff_principal(city),
            a1,
            s.ActivityIn(
                title="最后一个名额",
                starts_at=clock.now() + dt.timedelta(days=1),
                ends_at=clock.now() + dt.timedelta(days=1, hours=1),
                capacity=1,
            ),
        )
        volunteers = (await session.scalars(select(Volunteer).where(Volunteer.compound_id == a1).order_by(Volunteer.name).limit(2))).all()

    async def join(volunteer_id):
        async with db.transaction(Scope.of([a1])) as session:
            return await services.sign_up(
                session, staff_principal(city), a1, activity.id, s.SignupIn(volunteer_id=volunteer_id), for_others=True
            )

    results = await asyncio.gather(*(join(v.id) for v in volunteers))
    assert sorted(r.status for r in results) == ["signed_up", "waiting"]
    async with db.session(Scope.everything("test")) as session:
        assert (await session.get(VolunteerActivity, (a1, activity.id))).signed_up == 1


def test_the_qr_code_leads_to_the_sites_own_check_in_page():
    activity = VolunteerActivity(id=uuid.UUID(int=7), checkin_token="s3cret")
    compound = uuid.UUID(int=1)
    url = services.checkin_url("https://wuye.example.cn/", compound, activity)
    assert url == f"https://wuye.example.cn/portal/compounds/{compound}/co_building/activities/{activity.id}/attend?token=s3cret"
    from core.web.qr import qr_svg

    assert str(qr_svg(url)).startswith("<svg")
