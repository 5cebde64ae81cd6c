"""Login, lockout, tokens and tenant switching."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core import clock
from core.db import Scope
from core.identity.models import Membership

BAD = {"username": "ent-a-admin", "password": "wrong-password"}


async def test_wrong_password_and_unknown_user_get_the_same_answer(client):
    wrong = await client.post("/api/v1/auth/login", json=BAD)
    unknown = await client.post("/api/v1/auth/login", json={"username": "nobody-here", "password": "wrong-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"].startswith("application/problem+json")
    strip = lambda body: {k: v for k, v in body.items() if k != "instance"}  # noqa: E731
    assert strip(wrong.json()) == strip(unknown.json())
    assert "password" in wrong.json()["detail"] and "username" not in wrong.json()["detail"].replace("login name", "")


async def test_five_failures_in_fifteen_minutes_lock_the_login(client):
    for _ in range(5):
        assert (await client.post("/api/v1/auth/login", json=BAD)).status_code == 401
    locked = await client.post("/api/v1/auth/login", json={"username": "ent-a-admin", "password": "redprop-demo"})
    assert locked.status_code == 429
    assert locked.json()["type"].endswith("/login-locked")
    clock.advance(dt.timedelta(minutes=16))
    assert (await client.post("/api/v1/auth/login", json={"username": "ent-a-admin", "password": "redprop-demo"})).status_code == 200


async def test_failures_spread_out_still_add_up_but_only_delay_a_minute(client):
    """Failures count for a day (slow guessing adds up); the fifth costs a one-minute wait, not a lock."""
    for _ in range(4):
        assert (await client.post("/api/v1/auth/login", json=BAD)).status_code == 401
    clock.advance(dt.timedelta(minutes=15, seconds=1))
    assert (await client.post("/api/v1/auth/login", json=BAD)).status_code == 401
    assert (await client.post("/api/v1/auth/login", json={"username": "ent-a-admin", "password": "redprop-demo"})).status_code == 429
    clock.advance(dt.timedelta(minutes=1, seconds=1))
    assert (await client.post("/api/v1/auth/login", json={"username": "ent-a-admin", "password": "redprop-demo"})).status_code == 200


async def test_no_token_or_a_bad_token_is_401(client):
    assert (await client.get("/api/v1/me")).status_code == 401
    r = await client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["type"].endswith("/unauthenticated")


async def test_tokens_expire_and_logout_revokes(client, as_user):
    h = await as_user("ent-a-admin")
    assert (await client.get("/api/v1/me", headers=h)).status_code == 200
    clock.advance(dt.timedelta(hours=13))
    assert (await client.get("/api/v1/me", headers=h)).status_code == 401
    h = await as_user("ent-a-admin")
    assert (await client.post("/api/v1/auth/logout", headers=h)).status_code == 204
    assert (await client.get("/api/v1/me", headers=h)).status_code == 401


async def test_a_user_of_several_tenants_chooses_the_active_one(client, as_user, db, city):
    async with db.transaction(Scope.nothing()) as session:
        session.add(Membership(user_id=city.users["ent-a-admin"], tenant_id=city.tenants["C"], title="顾问"))
    h = await as_user("ent-a-admin")
    assert (await client.get("/api/v1/me", headers=h)).json()["tenant_id"] == str(city.tenants["A"])
    switched = await client.post("/api/v1/auth/switch-tenant", json={"tenant_id": str(city.tenants["C"])}, headers=h)
    assert switched.status_code == 200
    hc = {"Authorization": f"Bearer {switched.json()['access_token']}"}
    me = (await client.get("/api/v1/me", headers=hc)).json()
    assert me["tenant_id"] == str(city.tenants["C"]) and len(me["memberships"]) == 2
    # no role in C yet: nothing reachable, and no permission to list
    assert me["reachable_compounds"] == 0
    assert (await client.get("/api/v1/compounds", headers=hc)).status_code == 403
    # not a member of B
    r = await client.post("/api/v1/auth/switch-tenant", json={"tenant_id": str(city.tenants["B"])}, headers=h)
    assert r.status_code == 403


async def test_suspended_tenant_tokens_stop_working(client, as_user, city):
    ent = await as_user("ent-b-admin")
    platform = await as_user("platform")
    r = await client.patch(f"/api/v1/tenants/{city.tenants['B']}/status", json={"status": "suspended"}, headers=platform)
    assert r.status_code == 200
    denied = await client.get("/api/v1/compounds", headers=ent)
    assert denied.status_code == 403 and denied.json()["type"].endswith("/tenant-suspended")


async def test_membership_rows_are_not_scoped_by_compound(db, city):
    async with db.session(Scope.nothing()) as session:
        assert await session.scalar(select(Membership.id).where(Membership.user_id == city.users["ent-a-admin"]))
