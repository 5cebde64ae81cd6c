"""Cases by API: routing by the district's table, every illegal move refused, isolation, bad input, list statement counts."""

from __future__ import annotations

from sqlalchemy import select

from core.db import Scope
from core.testing.statements import least
from plugins.coordination.models.cases import Case, CaseEvent
from plugins.coordination.services.cases import CASE, react
from tests.plugins.coordination.conftest import DESK, case_count, case_url, department_of, move, moved, report


async def test_a_case_is_routed_by_the_district_s_table_and_lives_its_whole_life(client, as_user, city, db):
    admin, manager, officer = await as_user("district-1-admin"), await as_user("ent-a-manager"), await as_user("officer-1")
    dept = await department_of(db, city)
    r = await client.put(f"{DESK}/routes", json={"category": "noise", "department_id": str(dept)}, headers=admin)
    assert r.status_code == 200, r.text
    assert next(line for line in r.json()["items"] if line["category"] == "noise")["department_id"] == str(dept)
    case = await report(client, manager, city.compounds["A1"], location="point", point="东门商铺")
    assert case["state"] == "reported" and case["number"].startswith("XT20261130-") and case["level"] == "none"
    assert case["allowed"] == []  # the reporter makes no move on a fresh case
    case = await moved(client, admin, case, "accept")
    case = await moved(client, admin, case, "dispatch")  # no department named: the table's
    assert case["state"] == "dispatched" and case["department_id"] == str(dept) and case["department_name"] == "文峰区城管执法局"
    # the officer finds it in the department's queue and works it
    queue = (await client.get(f"{DESK}/cases?status=dispatched", headers=officer)).json()
    assert case["id"] in {c["id"] for c in queue["items"]}
    mine = (await client.get(case_url(case["compound_id"], case["id"]), headers=officer)).json()
    assert mine["allowed"] == ["reject", "start"]
    case = await moved(client, officer, case, "start")
    case = await moved(client, officer, case, "resolve", note="已责令商铺整改")
    case = await moved(client, admin, case, "verify", note="现场核查无噪音")
    case = await moved(client, admin, case, "close")
    assert case["state"] == "closed"
    steps = [(e["action"], e["to_state"]) for e in case["timeline"]]
    assert steps == [
        ("report", "reported"),
        ("accept", "accepted"),
        ("dispatch", "dispatched"),
        ("start", "in_progress"),
        ("resolve", "resolved"),
        ("verify", "verified"),
        ("close", "closed"),
    ]
    assert "文峰区城管执法局" in case["timeline"][3]["actor_label"]
    # the reporter (the operator) follows it
    seen = (await client.get(case_url(case["compound_id"], case["id"]), headers=manager)).json()
    assert seen["state"] == "closed"


async def test_without_a_route_the_case_stays_with_the_community(client, as_user, city):
    admin, manager = await as_user("district-1-admin"), await as_user("ent-a-manager")
    case = await report(client, manager, city.compounds["A1"], category="neighbour_dispute", title="邻里漏水纠纷")
    case = await moved(client, admin, case, "accept")
    r = await move(client, admin, case, "dispatch")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "department_id"
    case = await moved(client, admin, case, "start")  # the community mediates itself
    assert case["state"] == "in_progress" and case["department_id"] is None


async def test_a_department_rejects_a_case_outside_its_remit_and_the_community_re_routes_it(client, as_user, city, db, second_department):
    admin, manager, officer = await as_user("district-1-admin"), await as_user("ent-a-manager"), await as_user("officer-1")
    dept = await department_of(db, city)
    case = await report(client, manager, city.compounds["A1"], category="group_renting", title="302 群租")
    case = await moved(client, admin, case, "accept")
    case = await moved(client, admin, case, "dispatch", department_id=str(dept))
    r = await move(client, officer, case, "reject")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    case = await moved(client, officer, case, "reject", note="群租归市场监管和公安")
    assert case["state"] == "rejected" and case["department_id"] is None and case["reason"] == "群租归市场监管和公安"
    case = await moved(client, admin, case, "dispatch", department_id=str(second_department))
    assert case["department_id"] == str(second_department)
    # the officer no longer sees it
    assert (await client.get(case_url(case["compound_id"], case["id"]), headers=officer)).status_code == 404


async def test_a_returned_case_goes_back_to_its_sender(client, as_user, city):
    admin, manager = await as_user("district-1-admin"), await as_user("ent-a-manager")
    case = await report(client, manager, city.compounds["A1"])
    case = await moved(client, admin, case, "return", note="请补充照片和具体时间")
    assert case["state"] == "returned" and case["reason"] == "请补充照片和具体时间"
    mine = (await client.get(case_url(case["compound_id"], case["id"]), headers=manager)).json()
    assert mine["allowed"] == ["resubmit", "withdraw"]
    case = await moved(client, manager, case, "resubmit", note="已补充")
    assert case["state"] == "reported" and case["reason"] == ""


async def test_every_illegal_move_is_refused_with_409_naming_the_allowed_moves(client, as_user, city, db):
    admin, manager, officer = await as_user("district-1-admin"), await as_user("ent-a-manager"), await as_user("officer-1")
    dept = await department_of(db, city)
    path = [
        ("accept", admin, {}),
        ("dispatch", admin, {"department_id": str(dept)}),
        ("start", officer, {}),
        ("resolve", officer, {}),
        ("verify", admin, {}),
        ("close", admin, {}),
    ]
    who = {"accept": admin, "return": admin, "dispatch": admin, "verify": admin, "reopen": admin, "close": admin}
    who |= {"start": officer, "resolve": officer, "reject": officer, "resubmit": manager, "withdraw": manager}
    case = await report(client, manager, city.compounds["A1"])
    for step, mover, extra in [*path, (None, None, None)]:
        for action in sorted(who):
            if CASE.can(case["state"], action):
                continue
            mover_ = who[action] if case["department_id"] or who[action] is not officer else admin  # the community holds it
            r = await move(client, mover_, case, action, note="x", department_id=str(dept))
            assert r.status_code == 409, (case["state"], action, r.text)
            body = r.json()
            assert body["type"].endswith("/illegal-transition") and body["allowed"] == CASE.allowed(case["state"])
            assert body["state"] == case["state"] and body["action"] == action
        if step:
            case = await moved(client, mover, case, step, **extra)
    assert case["state"] == "closed"


async def test_a_move_by_a_role_that_may_not_make_it_is_refused_and_writes_nothing(client, as_user, city, db):
    admin, manager, officer, staff = [await as_user(u) for u in ("district-1-admin", "ent-a-manager", "officer-1", "ent-a-staff")]
    case = await report(client, manager, city.compounds["A1"])
    for headers, action in ((officer, "accept"), (staff, "accept"), (manager, "return")):
        r = await move(client, headers, case, action, note="x")
        assert r.status_code in (403, 404), r.text
    r = await move(client, staff, case, "accept")
    assert r.status_code == 403 and r.json()["permission"] == {"object": "coordination.case", "action": "approve"}
    case = await moved(client, admin, case, "accept")
    case = await moved(client, admin, case, "dispatch", department_id=str(await department_of(db, city)))
    r = await move(client, manager, case, "start")
    assert r.status_code == 403 and r.json()["permission"] == {"object": "coordination.department_case", "action": "write"}
    r = await move(client, admin, case, "resolve")
    assert r.status_code == 403
    async with db.session(Scope.everything("test")) as session:
        row = await session.scalar(select(Case).where(Case.number == case["number"]))
        assert row.state == "dispatched"
        steps = (await session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == row.id))).all()
        assert sorted(steps) == ["accept", "dispatch", "report"]
    assert (await move(client, admin, case, "fly")).json()["errors"][0]["field"] == "action"


async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(client, as_user, city, db):
    manager, ent_b = await as_user("ent-a-manager"), await as_user("ent-b-admin")
    before = await case_count(db)
    a1 = str(city.compounds["A1"])
    cases = [
        (manager, {"category": "ufo"}, "category"),
        (manager, {"priority": "asap"}, "priority"),
        (manager, {"location": "room"}, "room_id"),
        (manager, {"location": "building", "building_id": a1}, "building_id"),
        (manager, {"location": "point", "point": "  "}, "point"),
        (ent_b, {}, "compound_id"),  # A1 is not operated by enterprise B
    ]
    for headers, extra, field in cases:
        body = {"compound_id": a1, "category": "noise", "title": "噪音", **extra}
        r = await client.post(f"{DESK}/cases", json=body, headers=headers)
        assert r.status_code == 422, (field, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == field
    r = await client.post(f"{DESK}/cases", json={"compound_id": a1, "category": "noise", "title": "噪音", "colour": "red"}, headers=manager)
    assert r.status_code == 400 and "colour" in r.text
    assert await case_count(db) == before


async def test_isolation_officer_district_and_enterprise_each_see_only_their_own(client, as_user, city, db, second_department):
    admin1, admin2 = await as_user("district-1-admin"), await as_user("district-2-admin")
    officer, ent_a, ent_b = await as_user("officer-1"), await as_user("ent-a-admin"), await as_user("ent-b-admin")
    mine = await report(client, ent_a, city.compounds["A1"], title="本部门的案件")
    other = await report(client, ent_a, city.compounds["A2"], title="别的部门的案件")
    for case, dept in ((mine, await department_of(db, city)), (other, second_department)):
        await moved(client, admin1, case, "accept")
        await moved(client, admin1, case, "dispatch", department_id=str(dept))
    # an officer sees only the department's cases
    law = await department_of(db, city)
    seen = (await client.get(f"{DESK}/cases?limit=500", headers=officer)).json()["items"]
    assert mine["id"] in {c["id"] for c in seen} and other["id"] not in {c["id"] for c in seen}
    assert all(c["department_id"] == str(law) for c in seen)
    assert (await client.get(case_url(other["compound_id"], other["id"]), headers=officer)).status_code == 404
    assert (await move(client, officer, other, "start")).status_code == 404
    # district 2 sees nothing of district 1
    assert (await client.get(f"{DESK}/cases", headers=admin2)).json()["total"] == 0
    assert (await client.get(case_url(mine["compound_id"], mine["id"]), headers=admin2)).status_code == 404
    assert (await move(client, admin2, mine, "reject", note="x")).status_code == 404
    # an enterprise sees the cases of the compounds it operates, and only those
    theirs = (await client.get(f"{DESK}/cases?limit=500", headers=ent_a)).json()["items"]
    assert {mine["id"], other["id"]} <= {c["id"] for c in theirs}
    assert {c["compound_id"] for c in theirs} <= {str(city.compounds[k]) for k in ("A1", "A2", "A3")}
    assert (await client.get(f"{DESK}/cases", headers=ent_b)).json()["total"] == 0
    assert (await client.get(case_url(mine["compound_id"], mine["id"]), headers=ent_b)).status_code == 404
    b1 = city.compounds["B1"]
    assert (await client.get(case_url(b1), headers=ent_a)).status_code == 404
    # the district desk sees both, and every case the officer and the enterprise see
    desk = {c["id"] for c in (await client.get(f"{DESK}/cases?limit=500", headers=admin1)).json()["items"]}
    assert {c["id"] for c in seen} | {c["id"] for c in theirs} <= desk


async def test_list_statement_count_does_not_grow_with_the_page(client, as_user, city, app):
    admin, manager = await as_user("district-1-admin"), await as_user("ent-a-manager")

    async def statements(url: str, n: int) -> int:
        count, r = await least(app, lambda: client.get(url, headers=admin))
        assert r.status_code == 200 and len(r.json()["items"]) == n
        return count

    counts = []
    for n in (1, 6):
        while len((await client.get(f"{DESK}/cases", headers=admin)).json()["items"]) < n:
            await report(client, manager, city.compounds["A1"])
        for url in (f"{DESK}/cases?limit={n}", case_url(city.compounds["A1"]) + f"?limit={n}"):
            counts.append(await statements(url, n))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts


async def test_an_alarm_asking_for_a_case_opens_one_once(db, city):
    a1 = city.compounds["A1"]
    event_ = {
        "type": "smart_property.alarm.raised",
        "compound_id": str(a1),
        "payload": {
            "alarm_id": "8f0c7c2e-0000-7000-8000-000000000001",
            "device_id": "cam-1",
            "device_type": "camera",
            "rule": "消防通道占用超过10分钟",
            "severity": "high",
            "metric": "occupied_minutes",
            "value": "12",
            "action": "coordination_case",
            "category": "fire_lane_blocked",
            "building_id": None,
            "description": "2号楼消防通道被车辆占用",
        },
    }
    for _ in range(2):
        reaction = react(event_)
        async with db.transaction(Scope.of([a1])) as session:
            await reaction(session)
    async with db.session(Scope.of([a1])) as session:
        rows = (await session.scalars(select(Case).where(Case.source == "smart_property.alarm"))).all()
    assert len(rows) == 1 and rows[0].category == "fire_lane_blocked" and rows[0].priority == "urgent"
    assert react({**event_, "payload": {**event_["payload"], "action": "notify"}}) is None
