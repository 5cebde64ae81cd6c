"""The test databases of a Citus cluster (``REDPROP_TEST_CITUS=1``, the coordinator in ``REDPROP_TEST_PG_URL``).

A database of a cluster is one database of the same name on every node, each with the extension, the workers
registered on the coordinator. The suite's template is migrated, distributed (``core.citus``, 4 shards a table:
enough to spread compounds over both workers, few enough to copy quickly) and seeded once; each test gets a copy
made with ``CREATE DATABASE … TEMPLATE`` on every node, so the copies keep the same shards and metadata.
Built and started by /work/shared/citus (``make test-citus``).
"""

from __future__ import annotations

import os

import asyncpg

ENABLED = os.environ.get("REDPROP_TEST_CITUS", "") not in ("", "0")
WORKERS = [w.strip() for w in os.environ.get("REDPROP_TEST_CITUS_WORKERS", "127.0.0.1:5442,127.0.0.1:5443").split(",") if w.strip()]
SHARD_COUNT = 4


def _dsn(admin_url: str, node: str | None = None, database: str | None = None) -> str:
    """The asyncpg DSN of ``admin_url`` (a SQLAlchemy URL), on another node and database when given."""
    scheme, rest = admin_url.replace("postgresql+asyncpg", "postgresql").split("://", 1)
    user, _, hostpart = rest.rpartition("@")
    hostport, _, db = hostpart.partition("/")
    return f"{scheme}://{user + '@' if user else ''}{node or hostport}/{database or db or 'postgres'}"


def coordinator(admin_url: str) -> str:
    return _dsn(admin_url).split("@")[-1].split("/")[0]


async def _run(dsn: str, *statements: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def nodes(admin_url: str) -> list[str]:
    return [coordinator(admin_url), *WORKERS]


async def create(admin_url: str, name: str) -> None:
    """An empty database ``name`` on every node, with the extension; the workers registered on the coordinator."""
    for node in nodes(admin_url):
        await _run(_dsn(admin_url, node), f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
        await _run(_dsn(admin_url, node, name), "SET client_min_messages TO warning", "CREATE EXTENSION citus")
    host, port = coordinator(admin_url).rsplit(":", 1)
    statements = [f"SELECT citus_set_coordinator_host('{host}', {int(port)})"]
    for worker in WORKERS:
        whost, wport = worker.rsplit(":", 1)
        statements.append(f"SELECT citus_add_node('{whost}', {int(wport)})")
    await _run(_dsn(admin_url, database=name), *statements)


async def freeze(admin_url: str, name: str) -> None:
    """Make ``name`` a template: no connections (Citus's maintenance daemon and cached connections hold one)."""
    for node in nodes(admin_url):
        await _run(
            _dsn(admin_url, node),
            f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false",
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )


async def copy(admin_url: str, name: str, template: str) -> None:
    for node in nodes(admin_url):
        await _run(_dsn(admin_url, node), f"CREATE DATABASE {name} TEMPLATE {template}")


async def drop(admin_url: str, name: str) -> None:
    """Drop ``name`` everywhere; Citus's maintenance daemon reconnects to a database it serves, so connections are
    closed to it first, and a drop that races the daemon is tried again."""
    import asyncio

    for node in nodes(admin_url):
        dsn = _dsn(admin_url, node)
        for attempt in range(10):
            try:
                await _run(
                    dsn,
                    f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_database WHERE datname = '{name}') THEN"
                    f" ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false; END IF; END $$",
                    f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                )
                break
            except asyncpg.ObjectInUseError:
                if attempt == 9:
                    raise
                await asyncio.sleep(0.5)


async def problem(admin_url: str) -> str | None:
    """Why the cluster cannot serve the suite, or None."""
    for node in nodes(admin_url):
        try:
            conn = await asyncpg.connect(_dsn(admin_url, node), timeout=5)
        except Exception as exc:  # reported as the reason
            return f"Citus node {node} unreachable: {exc.__class__.__name__}: {exc}"
        try:
            if await conn.fetchval("SELECT count(*) FROM pg_available_extensions WHERE name = 'citus'") != 1:
                return f"Citus is not installed on {node} (/work/shared/citus/build.sh)"
        finally:
            await conn.close()
    return None
