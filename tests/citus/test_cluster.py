"""redprop on a real Citus cluster (issue 17, point 5): the Citus pass only (``make test-citus``).

The suite's database tests run against the coordinator as well (``REDPROP_TEST_CITUS=1``); these add what only a
cluster can show: every compound table distributed and colocated with ``compounds``, the rest reference tables;
row-level security holding on the workers' shards; the outbox and the audit chain working across nodes.
"""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from sqlalchemy import func, select, text

from core import citus
from core.audit.services import verify_all
from core.db import Base, Database, Scope
from core.events.models import OutboxEvent
from core.events.services import dispatch_pending, emit, handle_events
from tests.citus import cluster
from tests.support import counting_plugin
from tests.support.counting_plugin import COUNT

pytestmark = pytest.mark.skipif(not cluster.ENABLED, reason="needs the Citus cluster (make test-citus, REDPROP_TEST_CITUS=1)")


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg", "postgresql")


async def _fetch(url: str, sql: str, *args):
    conn = await asyncpg.connect(_dsn(url))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def _node_of(owner_url: str, compound_id: uuid.UUID) -> int:
    rows = await _fetch(
        owner_url,
        "SELECT nodeport FROM pg_dist_shard_placement WHERE shardid = get_shard_id_for_distribution_column('compounds', $1::uuid)",
        str(compound_id),
    )
    return rows[0]["nodeport"]


async def _apart(owner_url: str, first: uuid.UUID, second: uuid.UUID) -> tuple[int, int]:
    """The workers of two compounds, moving the second's shard group to the other worker when both share one
    (placement follows the compounds' random ids): the test then always spans both workers."""
    a, b = await _node_of(owner_url, first), await _node_of(owner_url, second)
    if a == b:
        other = next(int(w.rsplit(":", 1)[1]) for w in cluster.WORKERS if int(w.rsplit(":", 1)[1]) != a)
        await _fetch(
            owner_url,
            "SELECT citus_move_shard_placement(get_shard_id_for_distribution_column('compounds', $1::uuid), '127.0.0.1', $2,"
            " '127.0.0.1', $3, shard_transfer_mode => 'block_writes')",
            str(second),
            a,
            other,
        )
        b = await _node_of(owner_url, second)
    assert a != b
    return a, b


async def test_every_compound_table_is_distributed_and_colocated(database_urls, plugin_host):
    plan = citus.layout(Base.metadata)
    rows = await _fetch(
        database_urls["owner"],
        """SELECT p.logicalrelid::regclass::text AS name, p.partmethod::text, p.repmodel::text, p.colocationid,
                  column_to_column_name(p.logicalrelid, p.partkey) AS column, c.shardcount
           FROM pg_dist_partition p LEFT JOIN pg_dist_colocation c ON c.colocationid = p.colocationid""",
    )
    found = {r["name"]: r for r in rows}
    root = found["compounds"]
    assert (root["partmethod"], root["column"], root["shardcount"]) == ("h", "id", cluster.SHARD_COUNT)
    wrong = [
        name
        for name in plan.distributed
        if name not in found
        or (found[name]["partmethod"], found[name]["column"], found[name]["colocationid"]) != ("h", "compound_id", root["colocationid"])
    ]
    assert wrong == [], f"not distributed by compound_id with compounds: {wrong}"
    not_reference = [n for n in plan.reference if n not in found or (found[n]["partmethod"], found[n]["repmodel"]) != ("n", "t")]
    assert not_reference == [], f"not reference tables: {not_reference}"
    assert "alembic_version" not in found
    assert len(plan.distributed) > 80 and {"rooms", "residents", "co_building_requests", "audit_entries"} & set(plan.distributed) == {
        "rooms",
        "residents",
        "co_building_requests",
    }
    # the shards of the colocation group are spread over both workers
    nodes = await _fetch(
        database_urls["owner"], "SELECT DISTINCT nodeport FROM citus_shards WHERE table_name = 'compounds'::regclass ORDER BY 1"
    )
    assert [r["nodeport"] for r in nodes] == sorted(int(w.rsplit(":", 1)[1]) for w in cluster.WORKERS)


async def test_row_level_security_holds_on_every_worker(database_urls, city):
    first, second = city.compounds["A1"], city.compounds["B1"]
    ports = await _apart(database_urls["owner"], first, second)
    truth = {
        c: (await _fetch(database_urls["owner"], "SELECT count(*) AS n FROM rooms WHERE compound_id = $1", c))[0]["n"]
        for c in (first, second)
    }
    assert all(truth.values())
    # the policies, the forced RLS and the app's grants are on every shard of the table
    shards = await _fetch(
        database_urls["owner"],
        """SELECT success, result FROM run_command_on_shards('rooms', $$SELECT relrowsecurity AND relforcerowsecurity
           AND (SELECT count(*) = 1 FROM pg_policy WHERE polrelid = '%1$s'::regclass)
           AND has_table_privilege('redprop_app', '%1$s'::regclass, 'SELECT') FROM pg_class WHERE oid = '%1$s'::regclass$$)""",
    )
    assert shards and all(r["success"] and r["result"] == "t" for r in shards), shards
    app = await asyncpg.connect(_dsn(database_urls["app"]))
    try:
        assert await app.fetchval("SHOW citus.propagate_set_commands") in ("none", "local")
        await app.execute("SET citus.propagate_set_commands TO 'local'")  # what core.db does on a coordinator
        for compound, other in ((first, second), (second, first)):
            async with app.transaction():
                await app.execute(f"SET LOCAL redprop.compound_ids = '{{{compound}}}'")
                # routed to the worker holding the compound: its policies read the scope copied there
                assert await app.fetchval("SELECT count(*) FROM rooms WHERE compound_id = $1", compound) == truth[compound]
                assert await app.fetchval("SELECT count(*) FROM rooms WHERE compound_id = $1", other) == 0
                assert await app.fetchval("SELECT count(DISTINCT compound_id) FROM rooms") == 1  # fanned out to both workers
            async with app.transaction():
                await app.execute("SET LOCAL redprop.scope = 'all'")  # a setting opens nothing, on no node
                assert await app.fetchval("SELECT count(*) FROM rooms WHERE compound_id = $1", compound) == 0
        async with app.transaction():  # a scope that never reaches the workers fails closed
            await app.execute("SET LOCAL citus.propagate_set_commands TO 'none'")
            await app.execute(f"SET LOCAL redprop.compound_ids = '{{{first}}}'")
            assert await app.fetchval("SELECT count(*) FROM rooms WHERE compound_id = $1", first) == 0
    finally:
        await app.close()
    cross = await asyncpg.connect(_dsn(database_urls["cross"]))
    try:  # the cross-scope role passes the policies on every worker, by membership
        assert await cross.fetchval("SELECT count(*) FROM rooms WHERE compound_id = ANY($1::uuid[])", [first, second]) == sum(
            truth.values()
        )
    finally:
        await cross.close()
    # and the application's engine, through the ORM and core.db's session hook
    db = Database(database_urls["app"], cross_scope_url=database_urls["cross"])
    try:
        for compound, port in zip((first, second), ports, strict=True):
            async with db.session(Scope.of([compound])) as session:
                rooms = await session.scalar(text("SELECT count(*) FROM rooms WHERE compound_id = :c"), {"c": compound})
                assert rooms == truth[compound], f"compound on worker {port}"
            async with db.session(Scope.of([second if compound == first else first])) as session:
                assert await session.scalar(text("SELECT count(*) FROM rooms WHERE compound_id = :c"), {"c": compound}) == 0
    finally:
        await db.dispose()


@pytest.fixture
def host_with_counter(plugin_host):
    plugin_host.add(counting_plugin)
    yield plugin_host
    plugin_host.pm.unregister(counting_plugin)
    plugin_host.plugins.pop("counting", None)


async def test_outbox_events_of_compounds_on_two_workers_are_dispatched_and_handled_once(database_urls, db, city, host_with_counter):
    from tenants.models import Building

    first, second = city.compounds["A1"], city.compounds["C1"]
    await _apart(database_urls["owner"], first, second)
    owner = await asyncpg.connect(_dsn(database_urls["owner"]))
    try:
        await owner.execute("CREATE TABLE event_hits (event_id VARCHAR(36) NOT NULL, pid INTEGER NOT NULL)")
        await owner.execute("SELECT create_reference_table('event_hits')")
        await owner.execute("GRANT SELECT, INSERT ON event_hits TO redprop_app")
    finally:
        await owner.close()
    async with db.transaction(Scope.of([first, second])) as session:  # one transaction, shards on two workers
        ids = []
        for n, compound in enumerate((first, second)):
            session.add(Building(compound_id=compound, name=f"分布式{n}号楼", floors=6))
            ids.append(emit(session, COUNT, {"n": n}, compound_id=compound).id)
    sent: list[str] = []
    assert await dispatch_pending(db, sent.extend) == 2
    assert await dispatch_pending(db, sent.extend) == 0
    assert sorted(sent) == sorted(str(i) for i in ids)
    for _ in range(2):  # delivered twice, applied once
        await handle_events(db, host_with_counter, ids)
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(text("SELECT count(DISTINCT event_id) FROM event_hits")) == 2
        assert await session.scalar(text("SELECT count(*) FROM event_hits")) == 2
        handled = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.id.in_(ids), OutboxEvent.handled_at.is_not(None))
        )
        assert handled == 2
        names = (await session.scalars(select(Building.compound_id).where(Building.name.like("分布式%")))).all()
        assert sorted(names) == sorted([first, second])


async def test_audit_chain_spans_workers_and_verifies(client, as_user, city, database_urls, db):
    first, second = city.compounds["A1"], city.compounds["A3"]  # one tenant's chain
    await _apart(database_urls["owner"], first, second)
    h = await as_user("ent-a-admin")
    for compound in (first, second, first):
        response = await client.post(
            f"/api/v1/compounds/{compound}/buildings", json={"name": f"链{uuid.uuid4().hex[:4]}", "floors": 5}, headers=h
        )
        assert response.status_code == 201, response.text
    async with db.session(Scope.everything("test")) as session:
        reports = await verify_all(session)
        assert reports and all(r.ok for r in reports), [r for r in reports if not r.ok]
        chain = await session.scalar(text("SELECT chain FROM audit_entries WHERE target_type = 'buildings' ORDER BY seq DESC LIMIT 1"))
        compounds = (
            await session.scalars(
                text("SELECT DISTINCT compound_id FROM audit_entries WHERE chain = :c AND target_type = 'buildings'"), {"c": chain}
            )
        ).all()
    assert {first, second} <= set(compounds)
    # tampering on the coordinator's copy is still caught (a reference table: one chain, every node)
    owner = await asyncpg.connect(_dsn(database_urls["owner"]))
    try:
        await owner.execute("SET citus.propagate_set_commands TO 'local'")
        async with owner.transaction():  # the append-only trigger off on every node, for this transaction
            await owner.execute("SET LOCAL session_replication_role = replica")
            await owner.execute("UPDATE audit_entries SET actor = 'someone else' WHERE chain = $1 AND seq = 2", chain)
    finally:
        await owner.close()
    async with db.session(Scope.everything("test")) as session:
        assert not next(r for r in await verify_all(session) if r.chain == chain).ok
