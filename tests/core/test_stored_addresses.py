"""No table keeps a client's address or the string typed at login in plain (issue 16, point 7): login failures and
one-time codes hold keyed hashes of both, and the limits that compare them still hold."""

from __future__ import annotations

import os
import pathlib
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from core.db import Scope
from core.identity import services as identity
from core.migrate import upgrade
from core.problems import Problem
from core.security import address_index
from tenants.demo import RESIDENT_PHONES

ADDRESS = "203.0.113.9"
PHONE = RESIDENT_PHONES["resident-a1"]


async def _rows(db, table: str) -> list[dict]:
    async with db.session(Scope.everything("test check")) as session:
        return [dict(r) for r in (await session.execute(text(f"SELECT * FROM {table}"))).mappings().all()]


async def test_a_failed_login_keeps_hashes_of_the_address_and_of_the_phone_typed(db):
    for _ in range(identity.LOCKOUT_FAILURES):
        async with db.transaction(Scope.nothing()) as session:
            with pytest.raises(Problem) as failed:
                await identity.authenticate_password(session, PHONE, "wrong-password", ADDRESS)
            assert failed.value.status == 401
    rows = await _rows(db, "login_failures")
    assert len(rows) == identity.LOCKOUT_FAILURES
    assert not any(ADDRESS in str(v) or PHONE in str(v) for row in rows for v in row.values())
    assert {row["source"] for row in rows} == {address_index(ADDRESS)}
    # the count by account still holds: the next try waits
    async with db.transaction(Scope.nothing()) as session:
        with pytest.raises(Problem) as delayed:
            await identity.authenticate_password(session, PHONE, "wrong-password", "198.51.100.2")
        assert delayed.value.status == 429


async def test_an_unknown_name_is_counted_by_its_hash(db):
    for _ in range(identity.LOCKOUT_FAILURES):
        async with db.transaction(Scope.nothing()) as session:
            with pytest.raises(Problem):
                await identity.authenticate_password(session, "13911119999", "wrong-password", None)
    rows = await _rows(db, "login_failures")
    assert rows and not any("13911119999" in str(row["login"]) for row in rows)
    assert {row["login"] for row in rows} == {identity.login_index("13911119999")}
    async with db.transaction(Scope.nothing()) as session:
        with pytest.raises(Problem) as delayed:
            await identity.authenticate_password(session, "13911119999", "wrong-password", None)
        assert delayed.value.status == 429


async def test_one_time_codes_keep_a_hash_of_the_address(client, db):
    assert (await client.post("/api/v1/join/codes", json={"phone": "13700005678"})).status_code == 202
    rows = await _rows(db, "one_time_codes")
    assert rows and all(row["source"] == address_index("testclient") for row in rows)  # the test client's peer name
    assert not any("testclient" in str(v) for row in rows for v in row.values())


@pytest.mark.skipif(
    os.environ.get("REDPROP_TEST_BACKEND", "sqlite") != "sqlite", reason="the migration's data step is the same SQL on both"
)
def test_the_migration_hashes_existing_rows(tmp_path: pathlib.Path, plugin_host):
    path = tmp_path / "addresses.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, plugin_host, "core_0014")
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as c:
            c.execute(
                text("INSERT INTO login_failures (id, login, source, at) VALUES (:id, '13900001111', :source, '2026-01-01 00:00:00')"),
                {"id": uuid.uuid4().hex, "source": ADDRESS},
            )
            c.execute(
                text(
                    "INSERT INTO one_time_codes (id, phone_index, purpose, digest, source, created_at, expires_at, attempts) "
                    "VALUES (:id, 'x', 'register', 'd', :source, '2026-01-01 00:00:00', '2026-01-01 00:10:00', 0)"
                ),
                {"id": uuid.uuid4().hex, "source": ADDRESS},
            )
        upgrade(url, plugin_host, "core_0015")
        with engine.begin() as c:
            failure = c.execute(text("SELECT login, source FROM login_failures")).one()
            code = c.execute(text("SELECT source FROM one_time_codes")).one()
        assert failure == (identity.login_index("13900001111"), address_index(ADDRESS))
        assert code == (address_index(ADDRESS),)
    finally:
        engine.dispose()
