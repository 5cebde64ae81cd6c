"""The audit log: API writes recorded with before → after, hash-chained per tenant, tampering detected."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from core.audit.services import verify_all
from core.db import Database, Scope
from tests.support.pre_review import approve_operator_change


async def _write_some(client, as_user, city) -> dict:
    h = await as_user("ent-a-admin")
    a1 = city.compounds["A1"]
    building = (await client.post(f"/api/v1/compounds/{a1}/buildings", json={"name": "审计楼", "floors": 9}, headers=h)).json()
    unit = (await client.post(f"/api/v1/compounds/{a1}/units", json={"building_id": building["id"], "name": "1单元"}, headers=h)).json()
    await client.post(f"/api/v1/compounds/{a1}/rooms", json={"unit_id": unit["id"], "number": "101", "exclusive_area": "90.50"}, headers=h)
    return h


async def test_api_writes_are_recorded_with_actor_and_values(client, as_user, city):
    h = await _write_some(client, as_user, city)
    entries = (await client.get("/api/v1/audit", headers=h, params={"compound_id": str(city.compounds["A1"])})).json()["items"]
    room = next(e for e in entries if e["target_type"] == "rooms")
    assert room["action"] == "create" and room["actor"] == "ent-a-admin"
    assert room["after"]["exclusive_area"] == "90.50" and room["before"] is None
    assert room["request"].startswith("POST /api/v1/compounds/")
    assert room["compound_id"] == str(city.compounds["A1"])
    assert {e["target_type"] for e in entries} >= {"buildings", "units", "rooms"}


async def test_updates_record_before_and_after(client, as_user, city):
    district = await as_user("district-1-admin")
    a1 = city.compounds["A1"]
    await approve_operator_change(client, a1, city.tenants["B"], district)
    r = await client.post(f"/api/v1/compounds/{a1}/operator", json={"tenant_id": str(city.tenants["B"])}, headers=district)
    assert r.status_code == 200, r.text
    entries = (await client.get("/api/v1/audit", headers=district, params={"target_type": "compounds"})).json()["items"]
    change = entries[0]
    assert change["action"] == "update"
    assert change["before"]["operator_tenant_id"] == str(city.tenants["A"]) and change["after"]["operator_tenant_id"] == str(
        city.tenants["B"]
    )


async def test_personal_data_is_not_copied_into_the_log(client, as_user, city):
    h = await as_user("ent-a-admin")
    household = (await client.get(f"/api/v1/compounds/{city.compounds['A1']}/households", headers=h)).json()["items"][0]["id"]
    await client.post(
        f"/api/v1/compounds/{city.compounds['A1']}/residents",
        json={"household_id": household, "name": "王五", "role": "tenant", "phone": "13912345678", "id_card": "11010519491231002X"},
        headers=h,
    )
    entry = next(e for e in (await client.get("/api/v1/audit", headers=h)).json()["items"] if e["target_type"] == "residents")
    assert entry["after"]["phone"] == "139****5678" and entry["after"]["id_card_cipher"] == "<encrypted>"
    assert "11010519491231002X" not in str(entry)


async def test_tenants_read_only_their_own_log(client, as_user, city):
    await _write_some(client, as_user, city)
    other = await as_user("ent-b-admin")
    assert all(e["tenant_id"] == str(city.tenants["B"]) for e in (await client.get("/api/v1/audit", headers=other)).json()["items"])
    assert (await client.get("/api/v1/audit", headers=await as_user("ent-a-manager"))).status_code == 403


async def test_chain_verifies_and_exports(client, as_user, city):
    h = await _write_some(client, as_user, city)
    reports = (await client.get("/api/v1/audit/verify", headers=h)).json()["items"]
    assert reports == [
        {"chain": str(city.tenants["A"]), "entries": reports[0]["entries"], "ok": True, "first_broken_seq": None, "problem": ""}
    ]
    assert reports[0]["entries"] >= 3
    csv_text = (await client.get("/api/v1/audit/export.csv", headers=h)).text
    assert csv_text.splitlines()[0].startswith("chain,seq,at") and "rooms" in csv_text


async def _tamper(owner_url: str, sql: str) -> None:
    owner = Database(owner_url)
    try:
        async with owner.engine.begin() as conn:
            if owner.dialect == "postgresql":
                # triggers off for this transaction only; copied to every node on Citus (a reference table's
                # triggers cannot be disabled there, and its rows live on every node)
                await conn.execute(text("SET LOCAL session_replication_role = replica"))
                await conn.execute(text(sql))
            else:
                await conn.execute(text("DROP TRIGGER audit_entries_no_update"))
                await conn.execute(text("DROP TRIGGER audit_entries_no_delete"))
                await conn.execute(text(sql))
    finally:
        await owner.dispose()


async def test_the_log_is_append_only_for_the_application(client, as_user, city, db):
    await _write_some(client, as_user, city)
    with pytest.raises(Exception, match="append-only|permission denied"):
        async with db.transaction(Scope.nothing()) as session:
            await session.execute(text("UPDATE audit_entries SET actor = 'someone else'"))


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("UPDATE audit_entries SET actor = 'someone else' WHERE seq = 2", "content"),
        ("DELETE FROM audit_entries WHERE seq = 2", "missing"),
        ("DELETE FROM audit_entries WHERE seq = (SELECT max(seq) FROM audit_entries)", "removed"),
    ],
)
async def test_redprop_audit_verify_finds_tampering(client, as_user, city, db, database_urls, monkeypatch, sql, problem):
    await _write_some(client, as_user, city)
    chain = str(city.tenants["A"])
    async with db.session(Scope.everything("audit verify")) as session:  # the chain spans compounds (row-level security)
        assert all(r.ok for r in await verify_all(session, chain))
    await _tamper(
        database_urls["owner"],
        sql.replace("WHERE", f"WHERE chain = '{chain}' AND", 1).replace(
            "FROM audit_entries)", f"FROM audit_entries WHERE chain = '{chain}')"
        ),
    )

    from core.cli import main
    from core.settings import get_settings

    monkeypatch.setenv("REDPROP_DATABASE_URL", database_urls["owner"])
    get_settings.cache_clear()
    try:
        result = await asyncio.to_thread(CliRunner().invoke, main, ["audit", "verify"])  # the CLI runs its own loop
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1 and result.output, (result.output, result.exception)
    line = next((line for line in result.output.splitlines() if line.startswith(chain)), result.output)
    assert "BROKEN" in line and problem in line
    assert "BROKEN" not in "".join(line for line in result.output.splitlines() if not line.startswith(chain))
