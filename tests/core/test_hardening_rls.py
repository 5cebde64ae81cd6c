"""Row-level security reaches every table that names a compound, and the audit log is append-only by privilege
(issue 16, points 1 and 2). PostgreSQL only: SQLite has neither policies nor roles."""

from __future__ import annotations

import pathlib
import uuid

import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core import rls
from core.db import Database, Scope
from tests.conftest import APP_ROLE, BACKEND

postgres_only = pytest.mark.skipif(
    BACKEND != "postgresql", reason="row-level security and roles exist only on PostgreSQL (REDPROP_TEST_BACKEND=postgresql)"
)

ARCHITECTURE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def test_a_plugins_exemptions_are_written_on_its_models(plugin_host):
    declared = rls.exemptions(model for _, model in plugin_host.declared("redprop_models"))
    assert {"coordination_articles", "coordination_nominations"} <= set(declared)
    assert all(len(reason.split()) >= 8 for reason in declared.values()), "an exemption says why, in a sentence"


def test_every_exemption_is_written_down():
    doc = ARCHITECTURE.read_text(encoding="utf-8")
    for table, reason in rls.EXEMPT.items():
        assert reason.strip(), table

        assert f"`{table}`" in doc, f"{table} is exempt from row-level security but docs/architecture.md does not say why"


@postgres_only
async def test_every_table_with_a_compound_column_has_a_policy_or_a_written_exemption(database_urls, plugin_host):
    owner = Database(database_urls["owner"])
    try:
        async with owner.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        """SELECT c.table_name, cl.relrowsecurity, cl.relforcerowsecurity,
                                  (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.table_name)
                           FROM information_schema.columns c
                           JOIN pg_class cl ON cl.relname = c.table_name AND cl.relkind = 'r'
                           JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = 'public'
                           WHERE c.table_schema = 'public' AND c.column_name = 'compound_id'
                           ORDER BY c.table_name"""
                    )
                )
            ).all()
    finally:
        await owner.dispose()
    tables = {name for name, *_ in rows}
    assert {"rooms", "notifications", "audit_entries", "invoice_lines", "outbox_events"} <= tables
    exempt = rls.exemptions(model for _, model in plugin_host.declared("redprop_models"))
    unguarded = [name for name, enabled, forced, policies in rows if not (enabled and forced and policies) and name not in exempt]
    assert unguarded == [], f"compound data without row-level security and without a written exemption: {unguarded}"


async def _as_app(db, compound_ids, sql: str, **params):
    async with db.engine.connect() as conn, conn.begin():
        assert await conn.scalar(text("SELECT current_user")) == APP_ROLE
        await conn.execute(text(f"SET LOCAL redprop.compound_ids = '{{{','.join(map(str, compound_ids))}}}'"))
        return (await conn.execute(text(sql), params)).all()


@postgres_only
@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("notifications", "(id, user_id, compound_id, kind, title, body, created_at) VALUES (:id, :user, :c, 'k', 't', '', now())"),
        (
            "audit_entries",
            "(chain, seq, at, compound_id, actor, action, target_type, target_id, request, prev_hash, hash)"
            " VALUES ('rls-test', 1, now(), :c, '', 'create', 't', '', '', '', '')",
        ),
    ],
)
async def test_the_app_role_sees_and_writes_only_its_compounds_rows(db, city, database_urls, table, columns):
    a1, b1 = city.compounds["A1"], city.compounds["B1"]
    params = {"id": uuid.uuid4(), "user": city.users["resident-a1"], "c": b1}
    owner = Database(database_urls["owner"])
    try:
        async with owner.engine.begin() as conn:
            await conn.execute(text(f"INSERT INTO {table} {columns}"), params)
            await conn.execute(
                text(f"INSERT INTO {table} {columns}".replace(":c", "NULL").replace("1, now()", "2, now()")), {**params, "id": uuid.uuid4()}
            )
    finally:
        await owner.dispose()
    seen = await _as_app(db, [a1], f"SELECT compound_id FROM {table}")
    assert b1 not in {c for (c,) in seen}
    assert None in {c for (c,) in seen}  # a row of no compound (the platform's) stays visible
    assert b1 in {c for (c,) in await _as_app(db, [b1], f"SELECT compound_id FROM {table}")}
    with pytest.raises(DBAPIError, match="row-level security"):
        await _as_app(db, [a1], f"INSERT INTO {table} {columns}".replace("1, now()", "3, now()"), **{**params, "id": uuid.uuid4()})


@postgres_only
async def test_invoice_lines_are_scoped(db, city, database_urls):
    owner = Database(database_urls["owner"])
    try:
        async with owner.engine.connect() as conn:
            total = await conn.scalar(text("SELECT count(DISTINCT compound_id) FROM invoice_lines"))
    finally:
        await owner.dispose()
    seen = await _as_app(db, [city.compounds["A1"]], "SELECT DISTINCT compound_id FROM invoice_lines")
    assert {c for (c,) in seen} <= {city.compounds["A1"]}
    assert total == 0 or len(seen) <= 1


# --------------------------------------------------------------------------- point 2: append-only by privilege


@postgres_only
@pytest.mark.parametrize("role", [APP_ROLE, rls.WORKER_ROLE])
async def test_neither_role_holds_update_or_delete_on_the_audit_log(db, role):
    async with db.engine.connect() as conn:
        for privilege in ("INSERT", "SELECT"):
            assert await conn.scalar(text(f"SELECT has_table_privilege('{role}', 'audit_entries', '{privilege}')")) is True
        for privilege in ("UPDATE", "DELETE", "TRUNCATE"):
            assert await conn.scalar(text(f"SELECT has_table_privilege('{role}', 'audit_entries', '{privilege}')")) is False, privilege


@postgres_only
@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET actor = 'someone else'", "DELETE FROM audit_entries"])
async def test_the_app_roles_update_and_delete_are_refused_by_privilege(db, statement):
    """Refused before the append-only trigger runs: the trigger is not the only wall."""
    with pytest.raises(DBAPIError, match="permission denied for table audit_entries"):
        async with db.transaction(Scope.everything("append-only test")) as session:
            await session.execute(text(statement))
    with pytest.raises(DBAPIError, match="permission denied for table audit_entries"):
        async with db.transaction(Scope.nothing()) as session:
            await session.execute(text(statement))


@postgres_only
async def test_a_later_plugin_migration_granting_all_tables_does_not_give_update_back(database_urls):
    """A plugin migration calls ``rls.grant_app_role`` after creating its tables: the audit log stays append-only."""
    owner = Database(database_urls["owner"])
    try:
        async with owner.engine.begin() as conn:

            def grant(sync_conn):
                with Operations.context(MigrationContext.configure(sync_conn)):
                    rls.grant_app_role(APP_ROLE)

            await conn.run_sync(grant)
        async with owner.engine.connect() as conn:
            for role in (APP_ROLE, rls.WORKER_ROLE):
                assert await conn.scalar(text(f"SELECT has_table_privilege('{role}', 'audit_entries', 'UPDATE')")) is False
                assert await conn.scalar(text(f"SELECT has_table_privilege('{role}', 'rooms', 'UPDATE')")) is True
    finally:
        await owner.dispose()
