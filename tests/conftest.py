"""Test fixtures: a migrated, seeded template database per run, a fresh copy per test.

``REDPROP_TEST_BACKEND=postgresql`` runs the same suite against PostgreSQL (the
application connecting as the non-owner role, so row-level security applies);
the default is SQLite. In CI a missing PostgreSQL fails the run; locally the
PostgreSQL pass is skipped with the reason.
"""

from __future__ import annotations

import os

os.environ.setdefault("REDPROP_ENV", "test")
os.environ.setdefault("REDPROP_PASSWORD_HASH_PROFILE", "fast")
os.environ.setdefault("REDPROP_SECRET_KEY", "test-secret-key")
os.environ.setdefault("REDPROP_EMBEDDED_WORKER", "0")  # tests that need jobs start a runtime themselves

import asyncio
import itertools
import pathlib
import shutil
import uuid

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from core import clock
from core.app import create_app, load_plugins, rebind
from core.db import Database, Scope
from core.events.models import OutboxEvent
from core.events.services import dispatch_pending
from core.migrate import upgrade
from core.settings import load_settings
from tenants.demo import DEMO_PASSWORD, DemoCity
from tests.citus import cluster as citus_cluster
from tests.support.log_scan import (  # noqa: F401  every log record of the session is scanned for personal data (issue 16, point 7)
    pytest_runtest_call,
    pytest_runtest_logstart,
    pytest_runtest_teardown,
    pytest_sessionfinish,
    pytest_sessionstart,
)

BACKEND = os.environ.get("REDPROP_TEST_BACKEND", "sqlite")
PG_ADMIN_URL = os.environ.get("REDPROP_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
APP_ROLE = "redprop_app"
WORKER_ROLE = "redprop_worker"  # cross-scope work (core.rls.WORKER_ROLE)
_counter = itertools.count()


def _pg_url(database: str, user: str = "postgres") -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    scheme, rest = base.split("://", 1)
    host = rest.split("@", 1)[-1]
    return f"{scheme}://{user}@{host}/{database}"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_available() -> str | None:
    try:
        asyncio.run(asyncio.wait_for(_pg_admin("SELECT 1"), 5))
        return None
    except Exception as exc:  # reported as the skip reason
        return f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc.__class__.__name__}: {exc}"


@pytest.fixture(scope="session")
def plugin_host():
    return load_plugins(load_settings())


def _broker_problem() -> str | None:
    from core.health import check_broker

    url = os.environ.get("REDPROP_BROKER_URL", "stub://")
    state = asyncio.run(check_broker(url))
    return None if state == "ok" else f"broker {url} {state}"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory, plugin_host):
    """Migrate and seed once: ``(kind, location, city)``."""
    if BACKEND == "postgresql":
        reason = _pg_available() or _broker_problem()
        if reason:
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
        name = f"redprop_tpl_{os.getpid()}"
        if citus_cluster.ENABLED:  # the same database on every node of the cluster, distributed before the seed
            reason = asyncio.run(citus_cluster.problem(PG_ADMIN_URL))
            if reason and os.environ.get("CI"):
                pytest.fail(reason)
            if reason:
                pytest.skip(reason)
            asyncio.run(citus_cluster.create(PG_ADMIN_URL, name))
        else:
            asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name}"))
            asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
        owner_url = _pg_url(name)
        upgrade(owner_url, plugin_host)
        if citus_cluster.ENABLED:
            from core.citus import distribute

            distribute(owner_url, plugin_host, shard_count=citus_cluster.SHARD_COUNT)
        city = asyncio.run(_seed(owner_url, plugin_host))
        if citus_cluster.ENABLED:
            asyncio.run(citus_cluster.freeze(PG_ADMIN_URL, name))
        yield ("postgresql", name, city)
        if citus_cluster.ENABLED:
            asyncio.run(citus_cluster.drop(PG_ADMIN_URL, name))
        else:
            asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name}"))
    else:
        path = tmp_path_factory.mktemp("tpl") / "template.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url, plugin_host)
        city = asyncio.run(_seed(url, plugin_host))
        yield ("sqlite", path, city)


async def _seed(url: str, host) -> DemoCity:
    """The demo city, with the events its demo data emitted already sent and settled (as a worker would have
    done): a test's outbox, and the sweep's view of it, hold only what the test itself emits."""
    db = Database(url)
    try:
        city = await host.pm.hook.redprop_demo_city().build(db, host)  # the control plane's demo city, through the host
        await dispatch_pending(db, lambda ids: None)
        async with db.transaction(Scope.nothing()) as session:
            await session.execute(update(OutboxEvent).where(OutboxEvent.handled_at.is_(None)).values(handled_at=clock.now()))
    finally:
        await db.dispose()
    assert city is not None
    return city


@pytest.fixture
def city(template_db) -> DemoCity:
    return template_db[2]


@pytest.fixture
def database_urls(template_db, tmp_path):
    """A private copy of the seeded database: ``{"app": url, "cross": url, "owner": url}``."""
    kind, location, _ = template_db
    if kind == "sqlite":
        path = tmp_path / "test.db"
        for suffix in ("", "-wal", "-shm"):
            src = pathlib.Path(str(location) + suffix)
            if src.exists():
                shutil.copy(src, str(path) + suffix)
        url = f"sqlite+aiosqlite:///{path}"
        yield {"app": url, "cross": url, "owner": url, "backend": "sqlite"}
    else:
        name = f"redprop_t_{os.getpid()}_{next(_counter)}"
        if citus_cluster.ENABLED:
            asyncio.run(citus_cluster.copy(PG_ADMIN_URL, name, location))
        else:
            asyncio.run(_pg_admin(f"CREATE DATABASE {name} TEMPLATE {location}"))
        yield {"app": _pg_url(name, APP_ROLE), "cross": _pg_url(name, WORKER_ROLE), "owner": _pg_url(name), "backend": "postgresql"}
        if citus_cluster.ENABLED:
            asyncio.run(citus_cluster.drop(PG_ADMIN_URL, name))
        else:
            asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def settings(database_urls):
    return load_settings(
        {
            **os.environ,
            "REDPROP_DATABASE_URL": database_urls["app"],
            "REDPROP_MIGRATE_DATABASE_URL": database_urls["owner"],
            "REDPROP_CROSS_SCOPE_DATABASE_URL": database_urls["cross"],
            "REDPROP_POLICY_POLL_SECONDS": "0.2",
        }
    )


_APPS: dict[int, object] = {}


@pytest.fixture
def app(settings, plugin_host):
    """The run's application, pointed at this test's database (``core.app.rebind``)."""
    built = _APPS.get(id(plugin_host))
    if built is None:
        built = _APPS[id(plugin_host)] = create_app(settings, plugin_host)
        return built
    return rebind(built, settings)


@pytest.fixture
async def client(app):
    async with AsyncTestClient(app=app) as c:
        yield c


@pytest.fixture
async def db(database_urls):
    """A database handle connecting like the application does (the app role on PostgreSQL)."""
    database = Database(database_urls["app"], cross_scope_url=database_urls["cross"])
    yield database
    await database.dispose()


@pytest.fixture(autouse=True)
def _reset_clock():
    clock.reset()
    yield
    clock.reset()


async def login(client, username: str, password: str = DEMO_PASSWORD, tenant_id: uuid.UUID | None = None) -> dict[str, str]:
    body = {"username": username, "password": password}
    if tenant_id:
        body["tenant_id"] = str(tenant_id)
    response = await client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def as_user(client):
    """``headers = await as_user("ent-a-admin")``."""

    async def _as(username: str, **kw) -> dict[str, str]:
        return await login(client, username, **kw)

    return _as
