"""Authorisation: the fast enforcer equals casbin, roles API, propagation between processes, a guard on every route."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid

import pytest
from litestar.routes import HTTPRoute
from sqlalchemy import select

from core import clock
from core.authz.enforcer import FastEnforcer, casbin_enforcer
from core.authz.models import CasbinRule, PolicyChange
from core.authz.store import PolicyStore, add_rule
from core.db import Scope


def _random_policy(rng: random.Random, tenants: int = 12, compounds: int = 40, users: int = 150):
    objects = [f"area{i}.thing{j}" for i in range(4) for j in range(3)]
    actions = ["read", "write", "approve", "admin"]
    roles = [f"role{i}" for i in range(10)]
    domains = [f"tenant:{i}" for i in range(tenants)] + [f"compound:{i}" for i in range(compounds)]
    lines = set()
    for role in roles:
        for _ in range(rng.randint(1, 10)):
            lines.add(("p", role, "*", rng.choice(objects), rng.choice(actions)))
    for _ in range(60):  # tenant-local custom roles and direct grants
        lines.add(("p", rng.choice(roles + [f"u{rng.randrange(users)}"]), rng.choice(domains), rng.choice(objects), rng.choice(actions)))
    for _ in range(users * 2):
        lines.add(("g", f"u{rng.randrange(users)}", rng.choice(roles), rng.choice(domains)))
    for _ in range(15):  # role hierarchies inside a domain
        lines.add(("g", rng.choice(roles), rng.choice(roles), rng.choice(domains)))
    requests = [
        (f"u{rng.randrange(users + 10)}", rng.choice(domains + ["tenant:999"]), rng.choice(objects + ["nope.x"]), rng.choice(actions))
        for _ in range(3000)
    ]
    return sorted(lines), requests


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_enforcer_answers_exactly_as_casbin(seed):
    rng = random.Random(seed)
    lines, requests = _random_policy(rng)
    fast, reference = FastEnforcer(), casbin_enforcer(lines)
    fast.load(lines)
    answers = [(fast.enforce(*r), reference.enforce(*r)) for r in requests]
    assert all(a == b for a, b in answers), [r for r, (a, b) in zip(requests, answers, strict=True) if a != b][:5]
    assert 0 < sum(a for a, _ in answers) < len(answers)  # the sample has both answers


def test_fast_enforcer_follows_incremental_changes_like_casbin():
    rng = random.Random(7)
    lines, requests = _random_policy(rng)
    fast = FastEnforcer()
    fast.load(lines)
    removed = rng.sample(lines, 80)
    for line in removed:
        fast.remove(line)
    added = [("g", f"u{i}", "role1", "tenant:1") for i in range(20)]
    for line in added:
        fast.add(line)
    reference = casbin_enforcer([line for line in lines if line not in set(removed)] + added)
    assert all(fast.enforce(*r) == reference.enforce(*r) for r in requests)


async def test_roles_listed_for_the_tenant_kind(client, as_user):
    h = await as_user("ent-a-admin")
    names = {r["name"] for r in (await client.get("/api/v1/roles", headers=h)).json()["items"]}
    assert {"enterprise_admin", "enterprise_manager", "enterprise_staff", "tenant_admin"} <= names
    assert not names & {"district_admin", "platform_admin"}


async def _new_staff(client, headers, username: str) -> str:
    r = await client.post(
        "/api/v1/users", json={"username": username, "display_name": "新员工", "password": "redprop-demo"}, headers=headers
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_assign_compound_limited_role_then_revoke(client, as_user, city):
    admin = await as_user("ent-a-admin")
    user_id = await _new_staff(client, admin, "staff-x")
    staff = await as_user("staff-x")
    assert (await client.get("/api/v1/compounds", headers=staff)).status_code == 403

    a2 = city.compounds["A2"]
    r = await client.post(
        "/api/v1/role-assignments", json={"user_id": user_id, "role": "enterprise_staff", "compound_ids": [str(a2)]}, headers=admin
    )
    assert r.status_code == 201, r.text
    assert r.json() == [{"user_id": user_id, "role": "enterprise_staff", "domain": f"compound:{a2}", "compound_id": str(a2)}]
    listed = (await client.get("/api/v1/compounds", headers=staff)).json()
    assert [c["id"] for c in listed["items"]] == [str(a2)]
    assert (await client.get(f"/api/v1/compounds/{a2}/rooms", headers=staff)).status_code == 200
    assert (await client.post(f"/api/v1/compounds/{a2}/buildings", json={"name": "9号楼"}, headers=staff)).status_code == 403

    assignments = (await client.get("/api/v1/role-assignments", params={"user_id": user_id}, headers=admin)).json()["items"]
    assert [(a["role"], a["compound_id"]) for a in assignments] == [("enterprise_staff", str(a2))]

    r = await client.post(
        "/api/v1/role-assignments/revoke", json={"user_id": user_id, "role": "enterprise_staff", "compound_ids": [str(a2)]}, headers=admin
    )
    assert r.status_code == 200
    assert (await client.get("/api/v1/compounds", headers=staff)).status_code == 403


async def test_assignments_cannot_reach_outside_the_tenant_or_escalate(client, as_user, city):
    admin = await as_user("ent-a-admin")
    user_id = await _new_staff(client, admin, "staff-y")
    outside = await client.post(
        "/api/v1/role-assignments",
        json={"user_id": user_id, "role": "enterprise_staff", "compound_ids": [str(city.compounds["B1"])]},
        headers=admin,
    )
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "compound_ids"
    wrong_kind = await client.post("/api/v1/role-assignments", json={"user_id": user_id, "role": "district_admin"}, headers=admin)
    assert wrong_kind.status_code == 422
    foreign_user = await client.post(
        "/api/v1/role-assignments", json={"user_id": str(city.users["ent-b-admin"]), "role": "enterprise_staff"}, headers=admin
    )
    assert foreign_user.status_code == 422 and foreign_user.json()["errors"][0]["field"] == "user_id"
    # a manager may not hand out roles at all
    manager = await as_user("ent-a-manager")
    assert (
        await client.post("/api/v1/role-assignments", json={"user_id": user_id, "role": "enterprise_admin"}, headers=manager)
    ).status_code == 403


async def test_custom_role_from_template_permissions(client, as_user):
    admin = await as_user("ent-a-admin")
    ok = await client.post(
        "/api/v1/roles",
        json={
            "name": "front_desk",
            "label_zh": "前台",
            "label_en": "Front desk",
            "permissions": ["tenants.compound:read", "tenants.housing:read"],
        },
        headers=admin,
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["name"].endswith(":front_desk") and ok.json()["custom"] is True
    escalate = await client.post(
        "/api/v1/roles", json={"name": "boss", "label_zh": "老板", "label_en": "Boss", "permissions": ["core.tenant:write"]}, headers=admin
    )
    assert escalate.status_code == 422 and escalate.json()["errors"][0]["field"] == "permissions"
    user_id = await _new_staff(client, admin, "desk-1")
    r = await client.post("/api/v1/role-assignments", json={"user_id": user_id, "role": ok.json()["name"]}, headers=admin)
    assert r.status_code == 201
    desk = await as_user("desk-1")
    assert (await client.get("/api/v1/compounds", headers=desk)).json()["total"] == 3


async def test_policy_change_reaches_another_process_within_a_second(client, as_user, settings, db):
    """A second PolicyStore on the same database stands for another process."""
    other = PolicyStore()
    async with db.sessions() as session:
        await other.load(session)
    other.start_polling(db.sessions, interval=0.2)
    try:
        admin = await as_user("ent-a-admin")
        user_id = await _new_staff(client, admin, "staff-z")
        me = (await client.get("/api/v1/me", headers=admin)).json()
        domain = f"tenant:{me['tenant_id']}"
        subject = f"u:{user_id}"
        assert not other.enforcer.enforce(subject, domain, "tenants.housing", "read")
        r = await client.post("/api/v1/role-assignments", json={"user_id": user_id, "role": "enterprise_staff"}, headers=admin)
        assert r.status_code == 201

        async def seen() -> None:
            while not other.enforcer.enforce(subject, domain, "tenants.housing", "read"):
                await asyncio.sleep(0.02)

        await asyncio.wait_for(seen(), timeout=1.0)
    finally:
        await other.stop_polling()


async def test_rules_live_in_the_database(db, city):
    async with db.session(Scope.nothing()) as session:
        rules = (
            await session.scalars(select(CasbinRule).where(CasbinRule.ptype == "g", CasbinRule.v0 == f"u:{city.users['ent-a-manager']}"))
        ).all()
    assert [(r.v1, r.v2) for r in rules] == [("enterprise_manager", f"compound:{city.compounds['A1']}")]


def test_every_route_has_a_guard_or_is_declared_public(app):
    public_prefixes = ("/schema", "/static/")
    unguarded = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(public_prefixes):
            continue
        for handler in route.route_handlers:
            if handler.opt.get("public") or handler.http_methods == {"OPTIONS"}:  # litestar's automatic OPTIONS
                continue
            if not any(hasattr(g, "permission") for g in handler.resolve_guards()):
                unguarded.append(f"{sorted(handler.http_methods)} {route.path}")
    assert unguarded == []


def test_public_routes_are_only_the_expected_ones(app):
    public = sorted(
        {
            route.path
            for route in app.routes
            if isinstance(route, HTTPRoute)
            for h in route.route_handlers
            if h.opt.get("public") and not route.path.startswith("/static")
        }
    )
    assert public == [
        "/",  # the chooser / redirect to a login page
        "/api/v1/auth/login",
        # devices sign their bodies (HMAC under the device secret) instead of carrying a user's token
        "/api/v1/compounds/{compound_id:uuid}/smart_property/devices/{device_id:str}/pass-entries",
        "/api/v1/compounds/{compound_id:uuid}/smart_property/devices/{device_id:str}/telemetry",
        "/api/v1/compounds/{compound_id:uuid}/smart_property/gateway/telemetry",  # each message signed by its own device
        # a resident without an account yet: a one-time code to a phone, registration by invitation or code, reset
        "/api/v1/join/codes",
        "/api/v1/join/password-reset",
        "/api/v1/join/register",
        "/console/login",
        "/healthz",
        "/portal/join",
        "/portal/join/code",
        "/portal/login",
        "/portal/reset",
        "/portal/reset/code",
        "/readyz",
    ]


async def test_guard_denies_a_missing_permission_with_a_problem(client, as_user, city):
    h = await as_user("officer-1")
    r = await client.post(f"/api/v1/compounds/{city.compounds['A1']}/buildings", json={"name": "X"}, headers=h)
    assert r.status_code == 403
    body = r.json()
    assert body["type"].endswith("/forbidden") and body["permission"] == {"object": "tenants.housing", "action": "write"}


def test_uuid_domains_round_trip():
    cid = uuid.uuid4()
    from core.identity.principal import compound_domain

    assert compound_domain(cid) == f"compound:{cid}"


# --------------------------------------------------------------------------- policy changes committed out of order


async def _log_change(db, seq: int, user: str) -> tuple[str, ...]:
    """A rule and its change-log row with an explicit ``seq``: what a slow writer's commit looks like once it lands."""
    line = ("g", user, "enterprise_staff", "tenant:out-of-order")
    async with db.transaction(Scope.nothing()) as session:
        session.add(CasbinRule(ptype="g", v0=user, v1=line[2], v2=line[3], v3=""))
        session.add(PolicyChange(seq=seq, op="add", ptype="g", v0=user, v1=line[2], v2=line[3], v3=""))
    return line


async def test_a_policy_change_committed_out_of_order_is_not_skipped(db):
    store = PolicyStore(window=100)
    async with db.sessions() as session:
        await store.load(session)
    base = store.last_seq
    await _log_change(db, base + 20, "u:late-second")  # the higher number commits first ...
    async with db.sessions() as session:
        assert await store.poll(session) == 1
    await _log_change(db, base + 10, "u:late-first")  # ... the lower one after the poll saw the higher
    async with db.sessions() as session:
        assert await store.poll(session) == 1
        assert await store.poll(session) == 0  # applied once
    for user in ("u:late-first", "u:late-second"):
        assert store.enforcer.direct_roles(user, "tenant:out-of-order") == {"enterprise_staff"}


async def test_a_change_beyond_the_window_is_caught_by_the_reconcile(db):
    store = PolicyStore(window=5, reconcile_seconds=60)
    async with db.sessions() as session:
        await store.load(session)
    base = store.last_seq
    await _log_change(db, base + 100, "u:ahead")
    async with db.sessions() as session:
        await store.poll(session)
    await _log_change(db, base + 1, "u:far-behind")  # far below the trailing window
    async with db.sessions() as session:
        await store.poll(session)
        assert not store.enforcer.direct_roles("u:far-behind", "tenant:out-of-order")
        clock.advance(dt.timedelta(seconds=61))
        await store.poll(session)  # the reconcile is due: every rule is read again
    assert store.enforcer.direct_roles("u:far-behind", "tenant:out-of-order") == {"enterprise_staff"}


async def test_two_concurrent_policy_writers_committing_out_of_order(db, database_urls):
    """On PostgreSQL the sequence hands out numbers at insert time: the first writer commits last."""
    if database_urls["backend"] != "postgresql":
        pytest.skip("SQLite has one writer at a time; the out-of-order case is simulated with explicit seqs above")
    store = PolicyStore()
    async with db.sessions() as session:
        await store.load(session)
    first, second = db.sessions(), db.sessions()
    try:
        assert await add_rule(first, ("g", "u:writer-1", "enterprise_staff", "tenant:concurrent"))
        await first.flush()  # takes the lower seq and holds it uncommitted
        assert await add_rule(second, ("g", "u:writer-2", "enterprise_staff", "tenant:concurrent"))
        await second.flush()
        await second.commit()
        async with db.sessions() as session:
            await store.poll(session)
        assert store.enforcer.direct_roles("u:writer-2", "tenant:concurrent") == {"enterprise_staff"}
        await first.commit()
        async with db.sessions() as session:
            await store.poll(session)
        seqs = sorted(store.applied)[-2:]
        assert seqs[0] < seqs[1]
        assert store.enforcer.direct_roles("u:writer-1", "tenant:concurrent") == {"enterprise_staff"}
    finally:
        await first.close()
        await second.close()
