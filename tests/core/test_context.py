"""The kernel's seams: one request context narrowed to the route's compound, state machines,
jobs over compounds, and who holds a permission."""

from __future__ import annotations

import uuid

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.app import create_app, load_plugins
from core.authz.holders import holders
from core.authz.models import CasbinRule
from core.db import Scope
from core.jobs.compounds import for_each_active_compound
from core.states import IllegalTransition, StateMachine
from tenants.models import Room
from tests.conftest import login
from tests.support import probe_plugin


@pytest.fixture
async def probe_client(settings):
    host = load_plugins(settings)
    host.add(probe_plugin)
    async with AsyncTestClient(app=create_app(settings, host)) as client:
        yield client


async def test_a_compound_route_sees_only_its_compound_without_a_filter_of_its_own(probe_client, city):
    headers = await login(probe_client, "ent-a-admin")  # reaches A1 and A2
    a1, a2 = city.compounds["A1"], city.compounds["A2"]
    for compound in (a1, a2):
        response = await probe_client.get(f"/api/v1/compounds/{compound}/probe/rooms", headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["compounds"] == [str(compound)]
    # another tenant's compound is not reachable at all
    response = await probe_client.get(f"/api/v1/compounds/{city.compounds['B1']}/probe/rooms", headers=headers)
    assert response.status_code == 404


async def test_the_context_answers_permissions_from_casbin(probe_client, city):
    staff = await login(probe_client, "ent-a-staff")
    admin = await login(probe_client, "ent-a-admin")
    url = f"/api/v1/compounds/{city.compounds['A1']}/probe/rooms"
    assert (await probe_client.get(url, headers=admin)).json()["can_write"] is True
    assert (await probe_client.get(url, headers=staff)).json()["can_write"] is False


# --------------------------------------------------------------------------- state machines

DOOR = StateMachine("door", {"closed": {"open": "open", "lock": "locked"}, "open": {"close": "closed"}, "locked": {}})


def test_a_state_machine_moves_and_refuses_naming_the_allowed_moves():
    assert DOOR.next("closed", "open") == "open"
    with pytest.raises(IllegalTransition) as refused:
        DOOR.next("open", "lock")
    assert refused.value.status == 409
    body = refused.value.body()
    assert body["allowed"] == ["close"] and body["state"] == "open" and body["action"] == "lock"
    assert DOOR.is_final("locked") and DOOR.allowed("locked") == []


def test_a_state_machine_refuses_moves_to_undeclared_states():
    with pytest.raises(ValueError, match="undeclared"):
        StateMachine("broken", {"a": {"go": "b"}})


# --------------------------------------------------------------------------- jobs over compounds


async def test_jobs_run_per_compound_where_the_module_is_on_and_survive_one_failing(db, city, app):
    from tenants.access import compounds_with_module

    async with db.session(Scope.everything("test")) as session:
        expected = set(await compounds_with_module(session, "co_building"))
    off = set(city.compounds.values()) - expected
    assert city.compounds["A1"] in expected and off, "the demo has compounds with and without co_building"

    seen: dict[uuid.UUID, set[uuid.UUID]] = {}

    async def step(session, compound_id):
        seen[compound_id] = set((await session.scalars(select(Room.compound_id).distinct())).all())
        if compound_id == city.compounds["A1"]:
            session.add(Room(compound_id=compound_id, unit_id=uuid.uuid4(), number="x"))  # broken on purpose
            await session.flush()
        return 1

    run = await for_each_active_compound(db, "co_building", step, reason="test job")
    assert set(run.results) | set(run.failed) == expected
    assert not off & set(seen)  # never a compound where the module is off
    assert set(run.failed) == {city.compounds["A1"]}
    assert all(rooms <= {compound} for compound, rooms in seen.items())  # each step saw its compound alone
    assert run.total() == len(expected) - 1


# --------------------------------------------------------------------------- who holds a permission


async def test_holders_follow_the_role_graph_including_custom_roles(db, city):
    a1 = city.compounds["A1"]
    async with db.session(Scope.everything("test")) as session:
        before = await holders(session, "co_building.work_order", "approve", a1)
        assert city.users["ent-a-admin"] in before
        assert city.users["resident-a1"] not in before
        # a tenant's custom role nested under a new one, assigned in the compound's own domain
        custom = f"custom:{city.tenants['A']}:night-desk"
        session.add_all(
            [
                CasbinRule(ptype="p", v0=custom, v1="*", v2="co_building.work_order", v3="approve"),
                CasbinRule(ptype="g", v0="custom-lead", v1=custom, v2=f"compound:{a1}"),
                CasbinRule(ptype="g", v0=f"u:{city.users['resident-a1']}", v1="custom-lead", v2=f"compound:{a1}"),
            ]
        )
        await session.flush()
        after = await holders(session, "co_building.work_order", "approve", a1)
        assert city.users["resident-a1"] in after
        # narrowed to the operator's staff, the district's users are left out
        operator_only = await holders(session, "co_building.work_order", "read", a1, tenant_ids=[city.tenants["A"]])
        assert city.users.get("district-1-admin") not in operator_only
        await session.rollback()


async def test_a_job_with_pending_runs_only_where_there_may_be_work(db, city):
    from tenants.access import compounds_with_module

    async with db.session(Scope.everything("test")) as session:
        active = set(await compounds_with_module(session, "co_building"))
    a1 = city.compounds["A1"]
    off = next(c for c in city.compounds.values() if c not in active)
    asked: list[bool] = []

    async def pending(session):
        asked.append(session.info["scope"].is_all)  # the look-up is cross-scope: it sees the whole city
        return [a1, off]  # a compound where the module is off is never run, whatever pending says

    ran: list[uuid.UUID] = []

    async def step(session, compound_id):
        ran.append(compound_id)
        return 1

    run = await for_each_active_compound(db, "co_building", step, reason="test job", pending=pending)
    assert asked == [True] and ran == [a1] and run.total() == 1

    async def nothing(session):
        return []

    ran.clear()
    assert (await for_each_active_compound(db, "co_building", step, reason="test job", pending=nothing)).done == 0 and not ran
