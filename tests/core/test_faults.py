"""Issue 16, point 10: faults, each a test — the database restarted under load, Redis restarted while events flow,
the attachment store full, a slow database (``REDPROP_DB_STATEMENT_TIMEOUT_MS``), a malformed message on the queue. (A worker killed mid-job is
``tests/core/test_jobs.py::test_worker_killed_mid_batch_loses_nothing_and_repeats_nothing``.)

They run once, in the PostgreSQL pass. The tests that stop a server start their own (``tests/support/services.py``:
a private PostgreSQL cluster, a private redis-server, on free ports); the machine's shared ones are never touched.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import os
import subprocess
import sys
import time
import uuid

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, text

from core.app import rebind
from core.db import Database, Scope
from core.events.models import DeadLetter, OutboxEvent
from core.files import storage as storage_module
from core.files.models import Attachment
from core.identity.models import User
from core.jobs.runtime import MALFORMED_ACTOR, build_runtime
from core.migrate import upgrade
from core.security import hash_password
from core.settings import load_settings
from tenants.demo import DEMO_PASSWORD
from tests.core.test_jobs import ROOT, _create_hits_table, _emit, _hits
from tests.support import counting_plugin
from tests.support.services import OwnPostgres, OwnRedis

pytestmark = pytest.mark.skipif(
    os.environ.get("REDPROP_TEST_BACKEND", "sqlite") != "postgresql",
    reason="fault tests run once, on PostgreSQL (connection loss, statement timeouts and Redis are PostgreSQL-pass matters)",
)

PASSWORD = "fault-test-password"


def _problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["type"].endswith("/" + slug), body
    return body


@pytest.fixture
def host_with_counter(plugin_host):
    plugin_host.add(counting_plugin)
    yield plugin_host
    plugin_host.pm.unregister(counting_plugin)
    plugin_host.plugins.pop("counting", None)


# --------------------------------------------------------------------------- PostgreSQL restarted under load


@pytest.fixture
def own_postgres():
    server = OwnPostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


async def _prepare(server: OwnPostgres, host) -> None:
    """The schema (migrations, roles, policies) and one account, in the private cluster."""
    await asyncio.to_thread(upgrade, server.url(), host)
    owner = Database(server.url())
    try:
        async with owner.transaction(Scope.everything("fault test setup")) as session:
            session.add(User(username="fault-probe", display_name="fault probe", password_hash=hash_password(PASSWORD)))
    finally:
        await owner.dispose()


async def test_postgres_restarted_under_load_answers_503_then_recovers_without_an_app_restart(app, plugin_host, own_postgres):
    await _prepare(own_postgres, plugin_host)
    settings = load_settings(
        {
            **os.environ,
            "REDPROP_DATABASE_URL": own_postgres.url(user="redprop_app"),
            "REDPROP_CROSS_SCOPE_DATABASE_URL": own_postgres.url(user="redprop_worker"),
            "REDPROP_MIGRATE_DATABASE_URL": own_postgres.url(),
        }
    )
    rebind(app, settings)
    async with AsyncTestClient(app=app) as client:
        login = await client.post("/api/v1/auth/login", json={"username": "fault-probe", "password": PASSWORD})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        phase = "before"
        answers: list[tuple[str, int, object]] = []
        stop = asyncio.Event()

        async def load() -> None:  # four clients asking all the time, each request reading the database
            while not stop.is_set():
                response = await client.get("/api/v1/me", headers=headers)
                answers.append((phase, response.status_code, response))
                await asyncio.sleep(0.01)

        clients = [asyncio.create_task(load()) for _ in range(4)]
        try:
            await asyncio.sleep(1.0)
            phase = "stopping"
            await asyncio.to_thread(own_postgres.stop)
            phase = "down"
            await asyncio.sleep(2.0)
            phase = "starting"
            await asyncio.to_thread(own_postgres.start)
            phase = "after"
            deadline = time.monotonic() + 30
            while not [a for a in answers if a[0] == "after" and a[1] == 200]:
                assert time.monotonic() < deadline, "the app did not recover after PostgreSQL came back"
                await asyncio.sleep(0.1)
            recovered = len(answers)
            await asyncio.sleep(1.0)
        finally:
            stop.set()
            await asyncio.gather(*clients, return_exceptions=True)

    statuses = {p: sorted({s for q, s, _ in answers if q == p}) for p in ("before", "down", "after")}
    assert statuses["before"] == [200], statuses
    assert statuses["down"] == [503], statuses  # never a 500, never a hung request
    assert {s for _p, s, _ in answers} <= {200, 503}, statuses
    for _p, status, response in answers:
        if status == 503:
            _problem(response, 503, "service-unavailable")
            assert int(response.headers["retry-after"]) > 0
    assert {s for _p, s, _ in answers[recovered:]} == {200}  # recovered: every request answers again, same app
    print(f"PostgreSQL restart: {len(answers)} requests, {sum(1 for a in answers if a[1] == 503)} answered 503 while it was down")


# --------------------------------------------------------------------------- Redis restarted while events flow


def _worker(database_url: str, broker_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "REDPROP_DATABASE_URL": database_url,
        "REDPROP_BROKER_URL": broker_url,
        "REDPROP_BROKER_NAMESPACE": f"redprop-fault-{uuid.uuid4().hex[:8]}",
        "REDPROP_EXTRA_PLUGINS": "tests.support.counting_plugin",
        "REDPROP_BROKER_HEARTBEAT_MS": "2000",
        "REDPROP_JOB_MAX_BACKOFF_MS": "2000",
        "REDPROP_EVENT_SWEEP_SECONDS": "3",  # an event whose message Redis lost is sent again at the next sweep (every 30 s)
        "REDPROP_WORKER_THREADS": "4",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", "--log-level", "WARNING", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def test_redis_restarted_while_events_flow_loses_nothing_and_repeats_nothing(db, database_urls, host_with_counter):
    redis = OwnRedis()
    redis.start()
    await _create_hits_table(database_urls["owner"])
    total = 600
    worker = _worker(database_urls["app"], redis.url)
    try:
        for _ in range(3):
            await _emit(db, total // 3)
        deadline = time.monotonic() + 120
        while (await _hits(db))[0] < total // 10:
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the worker did not start handling events"
            await asyncio.sleep(0.1)
        redis.stop()  # no persistence: whatever was queued is gone, as after a crash
        handled_at_restart = (await _hits(db))[0]
        await asyncio.sleep(1.0)
        redis.start()
        more = await _emit(db, 50)  # events keep coming after the restart
        deadline = time.monotonic() + 150
        while (await _hits(db))[0] < total + len(more):
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, f"only {(await _hits(db))[0]} of {total + len(more)} handled"
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)  # anything handled twice would show now
        assert await _hits(db) == (total + len(more), total + len(more))
        assert handled_at_restart < total, "the restart came too late to prove anything"
        async with db.session(Scope.nothing()) as session:
            unhandled = await session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.handled_at.is_(None)))
        assert unhandled == 0
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        redis.stop()


# --------------------------------------------------------------------------- the attachment store full


@pytest.fixture
def settings(settings, tmp_path):
    return dataclasses.replace(settings, var_dir=tmp_path / "var", storage_url="")


class _FullDisk:
    """``os`` for the local store, except that a file opened for writing takes half the bytes, then ENOSPC."""

    def __init__(self) -> None:
        self.writes = 0

    def __getattr__(self, name):
        return getattr(os, name)

    def fdopen(self, fd, mode="r", *args, **kwargs):
        handle = os.fdopen(fd, mode, *args, **kwargs)
        disk = self

        class Full:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                handle.close()
                return False

            def write(self, data):
                disk.writes += 1
                handle.write(data[: len(data) // 2])
                handle.flush()
                raise OSError(errno.ENOSPC, "No space left on device")

        return Full()


async def test_attachment_store_full_answers_507_and_leaves_no_half_record(client, as_user, city, settings, db, monkeypatch):
    from tests.core.test_files import png

    files = settings.var_dir / "files"
    disk = _FullDisk()
    monkeypatch.setattr(storage_module, "os", disk)
    headers = await as_user("ent-a-admin")
    async with db.session(Scope.everything("test inspection")) as session:
        before = await session.scalar(select(func.count()).select_from(Attachment))
    response = await client.post(
        f"/api/v1/compounds/{city.compounds['A1']}/attachments",
        files={"file": ("photo.png", png(), "image/png")},
        data={"record_type": "tenants.room", "record_id": str(city.rooms["A1"][0])},
        headers=headers,
    )
    body = _problem(response, 507, "storage-full")
    assert "nothing was saved" in body["detail"]
    assert disk.writes == 1
    async with db.session(Scope.everything("test inspection")) as session:
        assert await session.scalar(select(func.count()).select_from(Attachment)) == before  # no row without a file
    assert not [p for p in files.rglob("*") if p.is_file()] if files.exists() else True  # no file (nor partial) without a row
    monkeypatch.undo()
    retried = await client.post(
        f"/api/v1/compounds/{city.compounds['A1']}/attachments",
        files={"file": ("photo.png", png(), "image/png")},
        data={"record_type": "tenants.room", "record_id": str(city.rooms["A1"][0])},
        headers=headers,
    )
    assert retried.status_code == 201, retried.text  # space again: the same upload goes through


# --------------------------------------------------------------------------- a malformed message on the queue


async def test_malformed_messages_are_dead_lettered_and_the_worker_lives_on(database_urls, host_with_counter):
    import dramatiq

    await _create_hits_table(database_urls["owner"])
    settings = load_settings({**os.environ, "REDPROP_DATABASE_URL": database_urls["app"], "REDPROP_BROKER_URL": "stub://"})
    runtime = build_runtime(settings, host_with_counter)
    db = Database(settings.database_url)
    try:
        runtime.start_worker(threads=1)
        queue = runtime.broker.queues["default"]
        queue.put(b"\x00{not json at all")  # bytes that are no message
        queue.put(b'{"hello": "a JSON object that is no message"}')
        runtime.send("core.handle_events", ["not-an-event-id"])  # a message whose payload can never be handled
        runtime.broker.enqueue(dramatiq.Message(queue_name="default", actor_name="nobody.here", args=(), kwargs={}, options={}))
        (event_id,) = await _emit(db, 1)
        runtime.send("core.handle_events", [str(event_id)])  # the next good message is handled: the worker lives
        deadline = time.monotonic() + 30
        while True:
            async with db.session(Scope.nothing()) as session:
                letters = (await session.scalars(select(DeadLetter).order_by(DeadLetter.id))).all()
            if len(letters) >= 4 and (await _hits(db))[0] == 1:
                break
            assert time.monotonic() < deadline, [(d.actor, d.error) for d in letters]
            await asyncio.sleep(0.05)
        by_actor = {d.actor: d for d in letters}
        assert set(by_actor) == {MALFORMED_ACTOR, "core.handle_events", "nobody.here"} and len(letters) == 4
        assert "MalformedMessage" in by_actor["core.handle_events"].error and by_actor["core.handle_events"].args == [["not-an-event-id"]]
        assert "no actor named 'nobody.here'" in by_actor["nobody.here"].error
        assert {d.args[0] for d in letters if d.actor == MALFORMED_ACTOR} == {
            "\x00{not json at all",
            '{"hello": "a JSON object that is no message"}',
        }
        assert await _hits(db) == (1, 1)
        assert runtime.worker is not None and all(t.is_alive() for t in runtime.worker.consumers.values())
    finally:
        await asyncio.to_thread(runtime.stop)
        await db.dispose()


# --------------------------------------------------------------------------- a slow database


async def test_slow_database_statement_timeout_answers_503_and_frees_the_connection(app, database_urls, settings):
    rebind(app, dataclasses.replace(settings, db_statement_timeout_ms=300, db_cross_statement_timeout_ms=300))
    owner = Database(database_urls["owner"])
    async with AsyncTestClient(app=app) as client:
        login = await client.post("/api/v1/auth/login", json={"username": "ent-a-admin", "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
        try:
            # a long transaction holding the memberships the profile reads (the token's principal is cached: core.caches)
            async with owner.engine.connect() as blocker:
                await blocker.execute(text("LOCK TABLE memberships IN ACCESS EXCLUSIVE MODE"))
                started = time.monotonic()
                slow = await client.get("/api/v1/me", headers=headers)
                waited = time.monotonic() - started
                await blocker.rollback()
        finally:
            await owner.dispose()
        _problem(slow, 503, "service-unavailable")
        assert "statement timeout" in slow.json()["detail"] and int(slow.headers["retry-after"]) > 0
        assert waited < 10, waited  # cancelled after the timeout, not hung
        for _ in range(3):  # the connection went back to the pool clean: the next requests answer at once
            assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
        engines = (app.state.db.engine, app.state.db.cross_engine)
        deadline = time.monotonic() + 5  # no connection stays checked out (the policy poller borrows one for a moment)
        while any(e.pool.checkedout() for e in engines):
            assert time.monotonic() < deadline, [e.pool.status() for e in engines]
            await asyncio.sleep(0.02)
