"""The process caches of the request path (core.caches): a known token and its compound's module states cost the
request nothing before its own unit of work, and every write they derive from clears them — at once in the writing
process, at the next poll in every other one (a ``clear`` row in the policy change log)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select, update

from core.authz.guard import principals
from core.authz.models import PolicyChange
from core.caches import CHANGE_OP, ProcessCache
from core.clock import advance
from core.db import Scope
from core.testing.statements import recording
from tenants.models import ModuleEnablement, Tenant

GUARD_READS = ("auth_tokens", "tenants", "module_enablements", "subscriptions", "plans")
"""What resolving a principal (token, user, tenant, reached compounds) and the module gate read."""


def _requests(compound_id) -> str:
    return f"/api/v1/compounds/{compound_id}/co_building/requests?limit=20"


async def test_a_known_token_reads_nothing_before_the_handler(app, client, as_user, city):
    headers = await as_user("ent-a-manager")
    url = _requests(city.compounds["A1"])
    with recording(app) as first:  # resolves the principal and the module states once
        assert (await client.get(url, headers=headers)).status_code == 200
    with recording(app) as seen:
        r = await client.get(url, headers=headers)
    assert r.status_code == 200

    def guard(statements: list[str]) -> list[str]:
        return [s for s in statements if any(f" {table}" in s.split(" WHERE ")[0] for table in GUARD_READS)]

    assert len(guard(first)) >= 3, first  # token and user, tenant, module states
    assert guard(seen) == [], seen
    assert not any(s.startswith("SELECT compounds.id") for s in seen), seen  # the reach of the principal
    assert seen, "the list itself still reads its rows"


async def test_logout_refuses_the_token_at_once(client, as_user, city):
    headers = await as_user("ent-a-manager")
    url = _requests(city.compounds["A1"])
    assert (await client.get(url, headers=headers)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    r = await client.get(url, headers=headers)
    assert r.status_code == 401


async def test_a_cached_principal_follows_a_suspension_and_a_revoked_role(client, as_user, city):
    ent = await as_user("ent-b-admin")
    assert (await client.get("/api/v1/compounds", headers=ent)).status_code == 200  # cached now
    platform = await as_user("platform")
    r = await client.patch(f"/api/v1/tenants/{city.tenants['B']}/status", json={"status": "suspended"}, headers=platform)
    assert r.status_code == 200
    denied = await client.get("/api/v1/compounds", headers=ent)
    assert denied.status_code == 403 and denied.json()["type"].endswith("/tenant-suspended")
    r = await client.patch(f"/api/v1/tenants/{city.tenants['B']}/status", json={"status": "active"}, headers=platform)
    assert (await client.get("/api/v1/compounds", headers=ent)).status_code == 200


async def test_a_module_withdrawn_is_refused_at_the_next_request(client, as_user, city, db):
    # B2's operator does not subscribe to party building; its district enabled it
    headers = await as_user("district-2-admin")
    b2 = city.compounds["B2"]
    url = f"/api/v1/compounds/{b2}/party_building/members"
    assert (await client.get(url, headers=headers)).status_code == 200  # module states cached
    async with db.transaction(Scope.of([b2])) as session:  # the district withdraws it (another unit of work)
        found = await session.scalar(select(ModuleEnablement).where(ModuleEnablement.module == "party_building"))
        found.enabled = False
    r = await client.get(url, headers=headers)
    assert r.status_code == 403 and r.json()["type"].endswith("/module-disabled"), r.text
    async with db.transaction(Scope.of([b2])) as session:
        found = await session.scalar(select(ModuleEnablement).where(ModuleEnablement.module == "party_building"))
        found.enabled = True
    assert (await client.get(url, headers=headers)).status_code == 200


async def test_a_write_appends_a_clear_row_and_another_process_clears_at_its_poll(app, client, as_user, city, db):
    headers = await as_user("ent-b-admin")
    assert (await client.get("/api/v1/compounds", headers=headers)).status_code == 200
    assert len(principals) >= 1
    # an ORM write of what principals derive from appends the clearing to the change log, in its own transaction
    async with db.transaction(Scope.everything("test")) as session:
        before = await session.scalar(select(func.count()).select_from(PolicyChange).where(PolicyChange.op == CHANGE_OP))
        tenant = await session.get(Tenant, city.tenants["B"])
        tenant.status = "suspended"
    async with db.session(Scope.everything("test")) as session:
        names = (await session.scalars(select(PolicyChange.v0).where(PolicyChange.op == CHANGE_OP))).all()
        assert len(names) > before and {"principals", "modules"} <= set(names)

    # another process's write: straight to the database (no listener here), then its clear row; this process keeps
    # its entry until the poll reads the row
    async with db.transaction(Scope.everything("test")) as session:
        await session.execute(update(Tenant).where(Tenant.id == city.tenants["B"]).values(status="active"))
    assert (await client.get("/api/v1/compounds", headers=headers)).status_code == 200  # cached again
    async with db.engine.begin() as conn:  # no ORM session: nothing of this process sees it
        await conn.execute(update(Tenant.__table__).where(Tenant.__table__.c.id == city.tenants["B"]).values(status="suspended"))
        await conn.execute(insert(PolicyChange.__table__).values(op=CHANGE_OP, ptype="", v0="principals", v1="", v2="", v3=""))
    assert (await client.get("/api/v1/compounds", headers=headers)).status_code == 200  # stale until the poll
    async with db.session(Scope.everything("policy poll")) as session:  # (the app's own engine lives on its loop)
        await app.state.policy.poll(session)
    denied = await client.get("/api/v1/compounds", headers=headers)
    assert denied.status_code == 403 and denied.json()["type"].endswith("/tenant-suspended")


def test_a_value_read_before_a_clearing_is_not_kept():
    cache = ProcessCache("test-race", size=2)
    since = cache.generation
    cache.clear()  # a write committed while the value was being read
    cache.put("k", "old", since=since)
    assert cache.get("k") is None
    cache.put("k", "new", since=cache.generation)
    assert cache.get("k") == "new"
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("k") is None and len(cache) == 2  # bounded: the oldest goes


def test_a_reader_bounds_the_age_it_accepts_by_the_core_clock():
    cache = ProcessCache("test-age")
    cache.put("k", "v")
    bound = dt.timedelta(seconds=5)
    advance(bound - dt.timedelta(seconds=1))
    assert cache.get("k", max_age=bound) == "v"
    advance(dt.timedelta(seconds=1))
    assert cache.get("k", max_age=bound) is None  # this reader reads afresh…
    assert cache.get("k") == "v"  # …others keep the entry until a clearing or the cache's own age
    cache.put("k", "w")
    assert cache.get("k", max_age=bound) == "w"
