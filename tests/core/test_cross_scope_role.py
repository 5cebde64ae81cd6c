"""Cross-scope access is a separate, audited role (issue 9, point 2).

On PostgreSQL the policies' "all compounds" branch is membership of
``redprop_worker``: the application's role writing ``redprop.scope = 'all'``
itself sees nothing more. ``Database`` runs ``Scope.everything(reason)`` on the
cross-scope engine and logs the reason.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.audit.models import AuditEntry
from core.audit.services import AuditContext
from core.db import Database, Scope
from core.migrate import alembic_config
from core.rls import WORKER_ROLE
from core.settings import SettingsError, load_settings
from tenants.models import Building
from tests.conftest import APP_ROLE, BACKEND

postgres_only = pytest.mark.skipif(
    BACKEND != "postgresql", reason="row-level security and roles exist only on PostgreSQL (REDPROP_TEST_BACKEND=postgresql)"
)


async def _owner_counts(owner_url: str) -> tuple[int, int]:
    owner = Database(owner_url)
    try:
        async with owner.engine.connect() as conn:
            return int(await conn.scalar(text("SELECT count(*) FROM compounds"))), int(
                await conn.scalar(text("SELECT count(*) FROM rooms"))
            )
    finally:
        await owner.dispose()


# --------------------------------------------------------------------------- PostgreSQL: the role, not a setting


@postgres_only
async def test_app_role_writing_scope_all_sees_nothing_more(db, city):
    a1 = city.compounds["A1"]
    async with db.engine.connect() as conn, conn.begin():
        assert await conn.scalar(text("SELECT current_user")) == APP_ROLE
        await conn.execute(text("SET LOCAL redprop.scope = 'all'"))
        assert await conn.scalar(text("SELECT redprop_scope_all()")) is False
        assert await conn.scalar(text("SELECT count(*) FROM compounds")) == 0
        assert await conn.scalar(text("SELECT count(*) FROM rooms")) == 0
        assert await conn.scalar(text("SELECT count(*) FROM residents")) == 0
    async with db.engine.connect() as conn, conn.begin():
        await conn.execute(text("SET LOCAL redprop.scope = 'all'"))
        await conn.execute(text(f"SET LOCAL redprop.compound_ids = '{{{a1}}}'"))
        assert (await conn.scalars(text("SELECT id FROM compounds"))).all() == [a1]
        assert set((await conn.scalars(text("SELECT DISTINCT compound_id FROM rooms"))).all()) == {a1}


@postgres_only
async def test_app_role_session_cannot_widen_itself_by_set(db, city):
    """The same through the ORM session an injected statement would run in."""
    a1 = city.compounds["A1"]
    async with db.session(Scope.of([a1])) as session:
        await session.execute(text("SET LOCAL redprop.scope = 'all'"))
        assert set((await session.scalars(text("SELECT DISTINCT compound_id FROM rooms"))).all()) == {a1}
        with pytest.raises(DBAPIError, match="row-level security"):
            await session.execute(
                text(
                    "INSERT INTO buildings (compound_id, id, name, created_at, updated_at) VALUES (:c, gen_random_uuid(), 'x', now(), now())"
                ),
                {"c": city.compounds["B1"]},
            )
        await session.rollback()


@postgres_only
async def test_worker_role_sees_every_compound(db, database_urls):
    compounds, rooms = await _owner_counts(database_urls["owner"])
    assert compounds > 1 and rooms > 0
    async with db.cross_engine.connect() as conn:
        assert await conn.scalar(text("SELECT current_user")) == WORKER_ROLE
        flags = (await conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"))).one()
        assert tuple(flags) == (False, False)
        assert await conn.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'rooms'")) != WORKER_ROLE
        # no setting at all: the role opens every compound
        assert await conn.scalar(text("SELECT count(*) FROM compounds")) == compounds
        assert await conn.scalar(text("SELECT count(*) FROM rooms")) == rooms


@postgres_only
async def test_app_role_cannot_become_the_worker_role(db):
    async with db.engine.connect() as conn:
        assert await conn.scalar(text(f"SELECT pg_has_role(current_user, '{WORKER_ROLE}', 'MEMBER')")) is False
        assert await conn.scalar(text(f"SELECT pg_has_role('{WORKER_ROLE}', current_user, 'MEMBER')")) is False
        with pytest.raises(DBAPIError, match="permission denied"):
            await conn.execute(text(f"SET ROLE {WORKER_ROLE}"))


@postgres_only
async def test_app_role_still_reads_and_writes_tables_without_a_compound(db):
    async with db.session(Scope.nothing()) as session:
        assert await session.scalar(text("SELECT count(*) FROM users")) > 0
        await session.scalar(text("SELECT count(*) FROM auth_tokens"))
        await session.scalar(text("SELECT count(*) FROM outbox_events"))
        await session.scalar(text("SELECT count(*) FROM dead_letters"))


@postgres_only
def test_downgrade_restores_the_setting_and_upgrade_closes_it_again(database_urls, plugin_host, city):
    """Below core_0005: the old function (the app role's SET widens the scope); up again: closed."""
    cfg = alembic_config(database_urls["owner"], plugin_host)

    async def app_sees_with_scope_all() -> int:
        app = Database(database_urls["app"])
        try:
            async with app.engine.connect() as conn, conn.begin():
                await conn.execute(text("SET LOCAL redprop.scope = 'all'"))
                return int(await conn.scalar(text("SELECT count(*) FROM compounds")))
        finally:
            await app.dispose()

    command.downgrade(cfg, "core@core_0004")
    try:
        assert asyncio.run(app_sees_with_scope_all()) > 0
    finally:
        command.upgrade(cfg, "heads")
    assert asyncio.run(app_sees_with_scope_all()) == 0


# --------------------------------------------------------------------------- both backends: engine choice, log, audit


async def test_cross_scope_session_uses_the_worker_engine_and_logs_the_reason(db, city, caplog):
    with caplog.at_level(logging.INFO, logger="redprop.scope"):
        async with db.session(Scope.everything("test: count every compound")) as session:
            assert session.bind is db.cross_engine
            seen = set((await session.scalars(select(Building.compound_id).distinct())).all())
            if db.dialect == "postgresql":
                assert await session.scalar(text("SELECT current_user")) == WORKER_ROLE
    assert seen >= {city.compounds["A1"], city.compounds["B1"]}
    logged = [r for r in caplog.records if r.name == "redprop.scope"]
    assert [r.getMessage() for r in logged] == ["cross-scope session: test: count every compound"]
    assert logged[0].levelno == logging.INFO

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="redprop.scope"):
        async with db.session(Scope.of([city.compounds["A1"]])) as session:
            assert session.bind is db.engine
            if db.dialect == "postgresql":
                assert await session.scalar(text("SELECT current_user")) == APP_ROLE
    assert not [r for r in caplog.records if r.name == "redprop.scope"]


async def test_one_url_serves_both_scopes(database_urls):
    single = Database(database_urls["owner"])
    try:
        assert single.cross_engine is single.engine and single.cross_scope_url == single.url
        assert single.session(Scope.everything("test")).bind is single.engine
    finally:
        await single.dispose()


async def test_a_cross_scope_change_carries_its_reason_into_the_audit_chain(db, city):
    a1 = city.compounds["A1"]
    async with db.transaction(Scope.everything("test: rename a building")) as session:
        session.info["audit"] = AuditContext(None, city.tenants["A"], "job:test", "job test.rename")
        building = await session.scalar(select(Building).where(Building.compound_id == a1).limit(1))
        building.name = "改名楼"
    async with db.session(Scope.everything("test check")) as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.actor == "job:test"))
    assert entry.request == "job test.rename (cross-scope: test: rename a building)"
    assert entry.after["name"] == "改名楼"


def test_cross_scope_url_is_a_setting():
    base = {"REDPROP_ENV": "test", "REDPROP_DATABASE_URL": "postgresql+asyncpg://redprop_app@db/redprop"}
    assert load_settings(base).cross_scope_database_url == base["REDPROP_DATABASE_URL"]
    worker = "postgresql+asyncpg://redprop_worker@db/redprop"
    assert load_settings({**base, "REDPROP_CROSS_SCOPE_DATABASE_URL": worker}).cross_scope_database_url == worker
    production = {**base, "REDPROP_ENV": "production", "REDPROP_SECRET_KEY": "k", "REDPROP_DATA_KEY": "A" * 43 + "="}
    with pytest.raises(SettingsError, match="REDPROP_CROSS_SCOPE_DATABASE_URL"):
        load_settings(production)
    assert load_settings({**production, "REDPROP_CROSS_SCOPE_DATABASE_URL": worker}).cross_scope_database_url == worker
