"""Who reaches which compound: operator, jurisdiction, compound-limited roles, residents, operator change."""

from __future__ import annotations

import uuid

import pytest

from tests.support.pre_review import approve_operator_change


async def _names(client, headers) -> set[str]:
    r = await client.get("/api/v1/compounds", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert body["total"] == len(body["items"])
    return {c["name"] for c in body["items"]}


A = {"红城·幸福家园", "红城·书香苑", "红城·和谐里"}
DISTRICT_1 = {"红城·幸福家园", "红城·书香苑", "安居·东关花园"}


async def test_login_returns_a_bearer_token(client):
    r = await client.post("/api/v1/auth/login", json={"username": "ent-a-admin", "password": "redprop-demo"})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) > 30 and body["expires_at"]


async def test_me_describes_the_caller(client, as_user, city):
    h = await as_user("ent-a-admin")
    r = await client.get("/api/v1/me", headers=h)
    assert r.status_code == 200
    me = r.json()
    assert me["username"] == "ent-a-admin"
    assert me["tenant_id"] == str(city.tenants["A"]) and me["tenant_kind"] == "enterprise"
    assert me["reachable_compounds"] == 3
    assert any(role.startswith("enterprise_admin@") for role in me["roles"])


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("ent-a-admin", A),
        ("ent-a-manager", {"红城·幸福家园"}),
        ("ent-b-admin", {"安居·东关花园", "安居·解放小区"}),
        ("district-1-admin", DISTRICT_1),
        ("district-2-admin", {"红城·和谐里", "安居·解放小区", "彰德·红旗新村"}),
        ("officer-1", DISTRICT_1),
        ("resident-a1", {"红城·幸福家园"}),
        ("platform", A | DISTRICT_1 | {"安居·解放小区", "彰德·红旗新村"}),
    ],
)
async def test_each_account_lists_only_reachable_compounds(client, as_user, username, expected):
    assert await _names(client, await as_user(username)) == expected


async def test_resident_logs_in_by_phone(client):
    r = await client.post("/api/v1/auth/login", json={"username": "13800000001", "password": "redprop-demo"})
    assert r.status_code == 200
    me = (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})).json()
    assert me["username"] == "resident-a1" and me["tenant_id"] is None and me["reachable_compounds"] == 1


@pytest.mark.parametrize("path", ["", "/buildings", "/rooms", "/residents", "/committees", "/modules"])
async def test_another_tenants_compound_is_404(client, as_user, city, path):
    h = await as_user("ent-a-admin")
    r = await client.get(f"/api/v1/compounds/{city.compounds['B1']}{path}", headers=h)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/not-found")
    assert "安居" not in r.text


async def test_unknown_and_malformed_compound_ids_are_404(client, as_user):
    h = await as_user("ent-a-admin")
    assert (await client.get(f"/api/v1/compounds/{uuid.uuid4()}", headers=h)).status_code == 404
    assert (await client.get("/api/v1/compounds/not-a-uuid", headers=h)).status_code == 404


async def test_compound_limited_manager_cannot_reach_sibling_compounds(client, as_user, city):
    h = await as_user("ent-a-manager")
    assert (await client.get(f"/api/v1/compounds/{city.compounds['A1']}/rooms", headers=h)).status_code == 200
    assert (await client.get(f"/api/v1/compounds/{city.compounds['A2']}/rooms", headers=h)).status_code == 404


async def test_district_sees_compounds_in_jurisdiction_whatever_the_operator(client, as_user, city):
    h = await as_user("district-1-admin")
    r = await client.get(f"/api/v1/compounds/{city.compounds['B1']}", headers=h)
    assert r.status_code == 200 and r.json()["operator_name"] == "安阳安居物业管理有限公司"
    assert (await client.get(f"/api/v1/compounds/{city.compounds['C1']}", headers=h)).status_code == 404


async def test_operator_change_moves_access_at_once_and_keeps_history(client, as_user, city):
    a1 = city.compounds["A1"]
    old, new, district = await as_user("ent-a-admin"), await as_user("ent-b-admin"), await as_user("district-1-admin")
    assert (await client.get(f"/api/v1/compounds/{a1}/rooms", headers=new)).status_code == 404
    rooms_before = (await client.get(f"/api/v1/compounds/{a1}/rooms", headers=old, params={"limit": 500})).json()["total"]

    change = {"tenant_id": str(city.tenants["B"]), "note": "业主大会决定更换"}
    # choosing or changing the property company waits for the community party organisation's pre-review (前置把关)
    blocked = await client.post(f"/api/v1/compounds/{a1}/operator", json=change, headers=district)
    assert blocked.status_code == 409 and blocked.json()["type"].endswith("/pre-review-required"), blocked.text
    assert blocked.json()["matter"] == "hire_property_company" and blocked.json()["review_state"] == "missing"
    assert (await client.get(f"/api/v1/compounds/{a1}/rooms", headers=new)).status_code == 404  # nothing moved
    await approve_operator_change(client, a1, city.tenants["B"], district)

    r = await client.post(f"/api/v1/compounds/{a1}/operator", json=change, headers=district)
    assert r.status_code == 200, r.text
    assert r.json()["operator_tenant_id"] == str(city.tenants["B"])

    # the same tokens, the very next request
    assert (await client.get(f"/api/v1/compounds/{a1}/rooms", headers=old)).status_code == 404
    moved = await client.get(f"/api/v1/compounds/{a1}/rooms", headers=new, params={"limit": 500})
    assert moved.status_code == 200 and moved.json()["total"] == rooms_before
    history = (await client.get(f"/api/v1/compounds/{a1}/operator-history", headers=district)).json()["items"]
    assert [h["tenant_name"] for h in history] == ["安阳红城物业服务有限公司", "安阳安居物业管理有限公司"]
    assert history[0]["ended_at"] is not None and history[1]["ended_at"] is None


async def test_enterprise_cannot_hand_compounds_over(client, as_user, city):
    h = await as_user("ent-a-admin")
    r = await client.post(f"/api/v1/compounds/{city.compounds['A1']}/operator", json={"tenant_id": str(city.tenants["C"])}, headers=h)
    assert r.status_code == 403


async def test_an_approval_covers_one_enterprise_and_is_spent_by_the_change(client, as_user, city):
    """The review approves "this compound, under its present operator, to this enterprise": not another enterprise,
    and not a change back later on (the term it named has ended)."""
    a1, district = city.compounds["A1"], await as_user("district-1-admin")
    await approve_operator_change(client, a1, city.tenants["B"], district)
    other = await client.post(f"/api/v1/compounds/{a1}/operator", json={"tenant_id": str(city.tenants["C"])}, headers=district)
    assert other.status_code == 409 and other.json()["review_state"] == "missing"
    assert (
        await client.post(f"/api/v1/compounds/{a1}/operator", json={"tenant_id": str(city.tenants["B"])}, headers=district)
    ).status_code == 200
    back = await client.post(f"/api/v1/compounds/{a1}/operator", json={"tenant_id": str(city.tenants["A"])}, headers=district)
    assert back.status_code == 409
    asked = await client.post(f"/api/v1/compounds/{a1}/operator/pre-review", json={"tenant_id": str(city.tenants["B"])}, headers=district)
    assert asked.status_code == 409  # B operates it now: nothing to review
