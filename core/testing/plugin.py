"""Pytest fixtures for plugin tests: an app on a temporary, migrated database seeded with the demo city, users with
roles, a logged-in client, an in-process worker and a movable clock.

Load it from a conftest with ``pytest_plugins = ["core.testing.plugin"]``. The plugin under test is found as redprop
finds it in production: by its ``redprop.plugins`` entry point (``pip install -e .``), or named in
``REDPROP_EXTRA_PLUGINS``. The database is migrated (core and every plugin branch) and seeded once per run; each test
gets a private copy.
"""

from __future__ import annotations

import os

os.environ.setdefault("REDPROP_ENV", "test")
os.environ.setdefault("REDPROP_PASSWORD_HASH_PROFILE", "fast")
os.environ.setdefault("REDPROP_SECRET_KEY", "test-secret-key")
os.environ.setdefault("REDPROP_EMBEDDED_WORKER", "0")

import asyncio
import contextlib
import datetime as dt
import itertools
import pathlib
import re
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from core import clock as _clock
from core.app import create_app, load_plugins
from core.db import Database, Scope
from core.events.services import dispatch_pending, handle_events
from core.migrate import upgrade
from core.settings import load_settings

BACKEND = os.environ.get("REDPROP_TEST_BACKEND", "sqlite")
PG_ADMIN_URL = os.environ.get("REDPROP_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
APP_ROLE, WORKER_ROLE = "redprop_app", "redprop_worker"
DEMO_PASSWORD_ENV = "REDPROP_DEMO_PASSWORD"
_counter = itertools.count()


def _pg_url(database: str, user: str = "postgres") -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    scheme, rest = base.split("://", 1)
    return f"{scheme}://{user}@{rest.split('@', 1)[-1]}/{database}"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _seed(url: str, host) -> Any:
    db = Database(url)
    try:
        city = await host.pm.hook.redprop_demo_city().build(db, host)
        await dispatch_pending(db, lambda ids: None)  # a test's outbox holds only what the test emits
    finally:
        await db.dispose()
    assert city is not None, "the demo city was already there"
    return city


# --------------------------------------------------------------------------- the platform


@pytest.fixture(scope="session")
def redprop_host():
    """The plugin host as production builds it (kernel, control plane, every installed plugin)."""
    return load_plugins(load_settings())


@pytest.fixture(scope="session")
def redprop_template(tmp_path_factory, redprop_host):
    """Migrated and seeded once per run: ``(kind, location, city)``."""
    if BACKEND == "postgresql":
        try:
            asyncio.run(asyncio.wait_for(_pg_admin("SELECT 1"), 5))
        except Exception as exc:
            reason = f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
        name = f"redprop_kit_{os.getpid()}"
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name}"))
        asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
        upgrade(_pg_url(name), redprop_host)
        city = asyncio.run(_seed(_pg_url(name), redprop_host))
        yield ("postgresql", name, city)
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    else:
        path = tmp_path_factory.mktemp("redprop") / "template.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url, redprop_host)
        yield ("sqlite", path, asyncio.run(_seed(url, redprop_host)))


@pytest.fixture
def city(redprop_template):
    """The demo city: ids by key — ``city.compounds["A1"]``, ``city.users["resident-a1"]``, ``city.tenants["D1"]``."""
    return redprop_template[2]


@pytest.fixture
def database_urls(redprop_template, tmp_path):
    """A private copy of the seeded database: ``{"app", "cross", "owner", "backend"}`` URLs."""
    kind, location, _ = redprop_template
    if kind == "sqlite":
        path = tmp_path / "test.db"
        for suffix in ("", "-wal", "-shm"):
            src = pathlib.Path(str(location) + suffix)
            if src.exists():
                shutil.copy(src, str(path) + suffix)
        url = f"sqlite+aiosqlite:///{path}"
        yield {"app": url, "cross": url, "owner": url, "backend": "sqlite"}
    else:
        name = f"redprop_kt_{os.getpid()}_{next(_counter)}"
        asyncio.run(_pg_admin(f"CREATE DATABASE {name} TEMPLATE {location}"))
        yield {"app": _pg_url(name, APP_ROLE), "cross": _pg_url(name, WORKER_ROLE), "owner": _pg_url(name), "backend": "postgresql"}
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def settings(database_urls):
    """Settings pointing at the test's database."""
    return load_settings(
        {
            **os.environ,
            "REDPROP_DATABASE_URL": database_urls["app"],
            "REDPROP_MIGRATE_DATABASE_URL": database_urls["owner"],
            "REDPROP_CROSS_SCOPE_DATABASE_URL": database_urls["cross"],
            "REDPROP_BROKER_URL": "stub://",
            "REDPROP_POLICY_POLL_SECONDS": "0.2",
        }
    )


@pytest.fixture
def app(settings, redprop_host):
    """The application, as ``redprop serve`` builds it, on the test's database."""
    return create_app(settings, redprop_host)


@pytest.fixture
async def client(app):
    """An HTTP client of the app (no server; cookies kept for pages)."""
    async with AsyncTestClient(app=app) as c:
        yield c


@pytest.fixture
async def db(database_urls):
    """A database handle connecting as the application does (``db.transaction(scope)``, ``db.session(scope)``)."""
    database = Database(database_urls["app"], cross_scope_url=database_urls["cross"])
    yield database
    await database.dispose()


@pytest.fixture
def compound_session(db):
    """``async with compound_session(compound_id) as session:`` one transaction scoped to that compound alone, as a
    job's step or an indicator's compute gets it (committed at the end of the block)."""
    return lambda compound_id: db.transaction(Scope.of([compound_id]))


# --------------------------------------------------------------------------- people


def demo_password(redprop_host) -> str:
    return os.environ.get(DEMO_PASSWORD_ENV) or redprop_host.pm.hook.redprop_demo_city().password


@pytest.fixture
def as_user(client, redprop_host):
    """``headers = await as_user("ent-a-admin")``: log in a demo account (``redprop demo`` lists them with their roles)."""
    password = demo_password(redprop_host)

    async def _as(username: str, tenant_id: uuid.UUID | None = None) -> dict[str, str]:
        body: dict[str, Any] = {"username": username, "password": password}
        if tenant_id:
            body["tenant_id"] = str(tenant_id)
        response = await client.post("/api/v1/auth/login", json=body)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return _as


HTML = {"Accept": "text/html"}
_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


@pytest.fixture
def browser_login(client, redprop_host):
    """``await browser_login("resident-a1", portal=True)``: signs in through the login form; the client keeps the
    cookies, so ``await client.get(page_url, headers=HTML)`` then renders as that person sees it."""
    password = demo_password(redprop_host)

    async def _login(username: str, *, portal: bool = False) -> None:
        client.cookies.clear()
        base = "/portal" if portal else "/console"
        form = await client.get(f"{base}/login", headers=HTML)
        token = _CSRF.search(form.text)
        assert token, "the login page has no form token"
        response = await client.post(
            f"{base}/login",
            data={"username": username, "password": password, "_csrf": token.group(1)},
            headers=HTML,
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text[:500]

    return _login


@pytest.fixture
def enable_module(client, as_user):
    """``await enable_module(compound_id, "parcel_lockers")``: the compound's district turns the module on (or off)."""

    async def _enable(compound_id: uuid.UUID, module: str, enabled: bool = True, by: str = "district-1-admin") -> None:
        headers = await as_user(by)
        response = await client.put(f"/api/v1/compounds/{compound_id}/modules/{module}", json={"enabled": enabled}, headers=headers)
        assert response.status_code == 200, response.text

    return _enable


# --------------------------------------------------------------------------- time and work


class Clock:
    """The platform's clock (``core.clock``) for a test: ``clock.advance(hours=49)``, ``clock.set(moment)``."""

    def now(self) -> dt.datetime:
        return _clock.now()

    def advance(self, delta: dt.timedelta | None = None, **parts: float) -> dt.datetime:
        _clock.advance(delta or dt.timedelta(**parts))
        return _clock.now()

    def set(self, moment: dt.datetime) -> None:
        _clock.advance(moment - _clock.now())


@pytest.fixture(autouse=True)
def clock() -> Iterator[Clock]:
    """A movable clock, reset around every test (tests move it instead of sleeping)."""
    _clock.reset()
    yield Clock()
    _clock.reset()


class Worker:
    """An in-process worker: runs jobs and delivers events in the test's own event loop, deterministically."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime

    async def run(self, job_name: str, *args: Any) -> None:
        """Run one declared job (``redprop_actors``) now, as a worker would."""
        await self.runtime.jobs[job_name].fn(self.runtime, *args)

    async def deliver_events(self) -> int:
        """Send every pending domain event to the plugins' reactions (``redprop_handle_event``); returns reactions applied."""
        db = self.runtime.database()
        sent: list[str] = []
        await dispatch_pending(db, sent.extend)
        if not sent:
            return 0
        return await handle_events(db, self.runtime.host, [uuid.UUID(i) for i in sent])

    async def close(self) -> None:
        for database in list(self.runtime._databases.values()):
            await database.dispose()


@pytest.fixture
async def worker(settings, redprop_host):
    """The job runtime on the stub broker, driven by the test (``await worker.run(name)``, ``await worker.deliver_events()``)."""
    from core.jobs.runtime import build_runtime

    w = Worker(build_runtime(settings, redprop_host))
    yield w
    await w.close()


@pytest.fixture
def count_statements(app):
    """``with count_statements() as counted: ...; counted[0]``: SQL statements the app ran inside the block (its
    request and cross-scope engines; not the scope's ``SET LOCAL`` nor the background loops': see
    :mod:`core.testing.statements`, which also offers ``least`` — the fewest of a few identical runs)."""
    from core.testing.statements import recording

    @contextlib.contextmanager
    def _count() -> Iterator[list[int]]:
        counted = [0]
        with recording(app) as seen:
            try:
                yield counted
            finally:
                counted[0] = len(seen)

    return _count
