"""Bad input gets a clear 4xx problem body naming the field, and writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import Scope
from core.validators import uscc_check_char
from tenants.demo import credit_code
from tenants.models import Building, Tenant


async def _tenant_count(db) -> int:
    async with db.session(Scope.nothing()) as session:
        return await session.scalar(select(func.count()).select_from(Tenant))


GOOD = {"kind": "enterprise", "name": "新物业公司", "credit_code": credit_code(777)}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({**GOOD, "surprise": 1}, 400, "surprise"),
        ({**GOOD, "name": 42}, 400, "name"),
        ({**GOOD, "kind": "castle"}, 400, "kind"),
        ({**GOOD, "name": "长" * 201}, 400, "name"),
        ({**GOOD, "credit_code": "91410500MA00077700"}, 422, "credit_code"),
        ({**GOOD, "credit_code": "91410500MA0007770I"}, 422, "credit_code"),
        ({**GOOD, "credit_code": None}, 422, "credit_code"),
        # a correct final check character over an embedded organisation code whose own check character is wrong
        ({**GOOD, "credit_code": "91410500MA0007775" + uscc_check_char("91410500MA0007775")}, 422, "credit_code"),
        ({**GOOD, "credit_code": "91000000MA0007778" + uscc_check_char("91000000MA0007778")}, 422, "credit_code"),
        ({**GOOD, "contact_phone": "12345"}, 400, "contact_phone"),
        ({"kind": "enterprise"}, 400, "name"),
    ],
)
async def test_bad_tenant_input_is_refused_and_writes_nothing(client, as_user, db, body, status, field):
    h = await as_user("platform")
    before = await _tenant_count(db)
    r = await client.post("/api/v1/tenants", json=body, headers=h)
    assert r.status_code == status, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["type"].startswith("https://") and problem["type"].endswith("/validation-error")
    assert problem["status"] == status and problem["title"]
    assert field in [e["field"] for e in problem["errors"]]
    assert await _tenant_count(db) == before


async def test_valid_tenant_is_created(client, as_user, db):
    h = await as_user("platform")
    before = await _tenant_count(db)
    r = await client.post("/api/v1/tenants", json=GOOD, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["credit_code"] == GOOD["credit_code"]
    assert await _tenant_count(db) == before + 1
    again = await client.post("/api/v1/tenants", json=GOOD, headers=h)
    assert again.status_code == 409


async def test_malformed_json_is_a_problem(client, as_user):
    h = await as_user("platform")
    r = await client.post("/api/v1/tenants", content=b"{not json", headers={**h, "content-type": "application/json"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unit_id": "x", "number": "101", "exclusive_area": "80"}, "unit_id"),
        ({"unit_id": "01a22004-d798-73b2-8a55-03a06ae7fc47", "number": "101", "exclusive_area": "abc"}, "exclusive_area"),
    ],
)
async def test_bad_room_input(client, as_user, city, body, field):
    h = await as_user("ent-a-admin")
    r = await client.post(f"/api/v1/compounds/{city.compounds['A1']}/rooms", json=body, headers=h)
    assert r.status_code == 400
    assert field in [e["field"] for e in r.json()["errors"]]


async def test_room_area_rules_and_duplicates(client, as_user, city):
    h = await as_user("ent-a-admin")
    a1 = city.compounds["A1"]
    unit = (await client.get(f"/api/v1/compounds/{a1}/units", headers=h)).json()["items"][0]["id"]
    for area in ("-3", "0", "1.234", "1000000"):
        r = await client.post(f"/api/v1/compounds/{a1}/rooms", json={"unit_id": unit, "number": "901", "exclusive_area": area}, headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "exclusive_area", (area, r.text)
    ok = await client.post(f"/api/v1/compounds/{a1}/rooms", json={"unit_id": unit, "number": "901", "exclusive_area": "88.05"}, headers=h)
    assert ok.status_code == 201 and ok.json()["exclusive_area"] == "88.05"
    dup = await client.post(f"/api/v1/compounds/{a1}/rooms", json={"unit_id": unit, "number": "901", "exclusive_area": "88.05"}, headers=h)
    assert dup.status_code == 409


async def test_a_building_of_another_compound_cannot_be_referenced(client, as_user, city, db):
    h = await as_user("ent-a-admin")
    other_building = (await client.get(f"/api/v1/compounds/{city.compounds['A2']}/buildings", headers=h)).json()["items"][0]["id"]
    r = await client.post(
        f"/api/v1/compounds/{city.compounds['A1']}/units", json={"building_id": other_building, "name": "9单元"}, headers=h
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "building_id"
    async with db.session(Scope.everything("test check")) as session:
        assert await session.scalar(select(func.count()).select_from(Building).where(Building.name == "9单元")) == 0


async def test_pagination_bounds_are_checked(client, as_user):
    h = await as_user("platform")
    assert (await client.get("/api/v1/compounds", params={"limit": 0}, headers=h)).status_code == 400
    assert (await client.get("/api/v1/compounds", params={"limit": 501}, headers=h)).status_code == 400
    page = (await client.get("/api/v1/compounds", params={"limit": 2, "offset": 1}, headers=h)).json()
    assert page["limit"] == 2 and page["offset"] == 1 and page["total"] == 6 and len(page["items"]) == 2
