"""Events through the outbox and dramatiq: at least once, applied once; retries, dead letters, the scheduler lock."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core.db import Database, Scope
from core.events.models import DeadLetter, OutboxEvent, ProcessedEvent, ScheduleTick
from core.events.services import dispatch_pending, emit, handle_events
from core.jobs.runtime import build_runtime, retry_dead_letters, run_due_schedules
from core.settings import load_settings
from tests.support import counting_plugin

ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST_URL = os.environ.get("REDPROP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def _create_hits_table(owner_url: str) -> None:
    owner = Database(owner_url)
    try:
        async with owner.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE event_hits (event_id VARCHAR(36) NOT NULL, pid INTEGER NOT NULL)"))
            if owner.dialect == "postgresql":
                await conn.execute(text("GRANT SELECT, INSERT ON event_hits TO redprop_app"))
    finally:
        await owner.dispose()


async def _emit(db: Database, count: int, type_: str = "test.count") -> list[uuid.UUID]:
    ids = []
    async with db.transaction(Scope.nothing()) as session:
        for _ in range(count):
            ids.append(emit(session, type_, {"n": len(ids)}).id)
    return ids


async def _hits(db: Database) -> tuple[int, int]:
    async with db.engine.connect() as conn:
        total = await conn.scalar(text("SELECT count(*) FROM event_hits"))
        distinct = await conn.scalar(text("SELECT count(DISTINCT event_id) FROM event_hits"))
    return int(total), int(distinct)


@pytest.fixture
def host_with_counter(plugin_host):
    plugin_host.add(counting_plugin)
    yield plugin_host
    plugin_host.pm.unregister(counting_plugin)
    plugin_host.plugins.pop("counting", None)


async def test_event_is_written_only_with_its_change(db):
    with pytest.raises(RuntimeError):
        async with db.transaction(Scope.nothing()) as session:
            emit(session, "test.count", {})
            raise RuntimeError("the change failed")
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == "test.count")) == 0


async def test_handled_once_even_when_delivered_twice(db, database_urls, host_with_counter):
    await _create_hits_table(database_urls["owner"])
    ids = await _emit(db, 3)
    sent: list[list[str]] = []
    assert await dispatch_pending(db, sent.append, per_message=2) == 3
    assert await dispatch_pending(db, sent.append) == 0  # dispatched rows are not sent again
    assert [len(m) for m in sent] == [2, 1]
    for message in sent + sent:  # the broker delivers every message twice
        await handle_events(db, host_with_counter, [uuid.UUID(i) for i in message])
    assert await _hits(db) == (3, 3)
    async with db.session(Scope.everything("test")) as session:
        handlers = (await session.scalars(select(ProcessedEvent.handler).where(ProcessedEvent.event_id == ids[0]))).all()
    assert handlers == ["counting"]


async def test_stub_broker_worker_runs_the_whole_path(database_urls, host_with_counter):
    await _create_hits_table(database_urls["owner"])
    settings = load_settings({**os.environ, "REDPROP_DATABASE_URL": database_urls["app"], "REDPROP_BROKER_URL": "stub://"})
    runtime = build_runtime(settings, host_with_counter)
    db = Database(settings.database_url)
    try:
        await _emit(db, 50)
        runtime.start_worker(threads=2)
        runtime.start_loops(dispatch_interval=0.05)
        for _ in range(200):
            if (await _hits(db))[0] == 50:
                break
            await asyncio.sleep(0.05)
        assert await _hits(db) == (50, 50)
    finally:
        await asyncio.to_thread(runtime.stop)
        await db.dispose()


async def test_failing_handler_retries_then_becomes_a_dead_letter(database_urls, host_with_counter):
    settings = load_settings(
        {**os.environ, "REDPROP_DATABASE_URL": database_urls["app"], "REDPROP_BROKER_URL": "stub://", "REDPROP_JOB_MAX_RETRIES": "2"}
    )
    runtime = build_runtime(settings, host_with_counter)
    for middleware in runtime.broker.middleware:  # no back-off waits in the test
        if type(middleware).__name__ == "Retries":
            middleware.min_backoff = middleware.max_backoff = 1
    db = Database(settings.database_url)
    counting_plugin.FAILING["always"] = 0
    try:
        (event_id,) = await _emit(db, 1, "test.fail")
        runtime.start_worker(threads=1)
        runtime.send("core.handle_events", [str(event_id)])
        for _ in range(200):
            async with db.session(Scope.everything("test")) as session:
                letter = await session.scalar(select(DeadLetter))
            if letter is not None:
                break
            await asyncio.sleep(0.05)
        assert letter is not None and letter.actor == "core.handle_events" and letter.args == [[str(event_id)]]
        assert "always fails" in letter.error
        assert counting_plugin.FAILING["always"] == 3  # first try + 2 retries
        assert await retry_dead_letters(runtime, db) == 1
        assert await retry_dead_letters(runtime, db) == 0  # retried ones are not sent twice
    finally:
        await asyncio.to_thread(runtime.stop)
        await db.dispose()


async def test_two_workers_never_run_the_same_tick(database_urls, plugin_host):
    settings = load_settings({**os.environ, "REDPROP_DATABASE_URL": database_urls["app"], "REDPROP_BROKER_URL": "stub://"})
    first, second = build_runtime(settings, plugin_host), build_runtime(settings, plugin_host)
    sent: list[str] = []
    for runtime in (first, second):
        runtime.send = lambda name, *args: sent.append(name)  # type: ignore[method-assign]
        runtime.schedules = [{"name": "test.hourly", "actor": "tenants.generate_invoices", "every_seconds": 3600}]
    db = Database(settings.database_url)
    try:
        epoch = 1_790_000_000.0
        results = await asyncio.gather(run_due_schedules(first, db, epoch), run_due_schedules(second, db, epoch))
        assert sorted(results) == [0, 1] and sent == ["tenants.generate_invoices"]
        assert await run_due_schedules(first, db, epoch + 10) == 0  # same hour, same tick
        assert await run_due_schedules(second, db, epoch + 3600) == 1
        async with db.session(Scope.nothing()) as session:
            ticks = (await session.scalars(select(ScheduleTick))).all()
        assert len(ticks) == 2
    finally:
        await db.dispose()


def _redis_ready() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:
        return f"Redis unreachable at {REDIS_TEST_URL}: {exc}"


def _worker(database_url: str, namespace: str) -> subprocess.Popen:
    env = {
        "REDPROP_BROKER_NAMESPACE": namespace,
        **os.environ,
        "REDPROP_DATABASE_URL": database_url,
        "REDPROP_BROKER_URL": REDIS_TEST_URL,
        "REDPROP_EXTRA_PLUGINS": "tests.support.counting_plugin",
        "REDPROP_BROKER_HEARTBEAT_MS": "2000",
        "REDPROP_JOB_MAX_BACKOFF_MS": "3000",  # a message refused under load comes back within seconds
        "REDPROP_BROKER_MAINTENANCE_CHANCE": "100000",
        "REDPROP_WORKER_THREADS": "4",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", "--log-level", os.environ.get("REDPROP_TEST_WORKER_LOG", "WARNING"), "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def test_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(db, database_urls):
    reason = _redis_ready()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    namespace = f"redprop-test-{uuid.uuid4().hex[:12]}"  # concurrent runs never share a queue
    await _create_hits_table(database_urls["owner"])
    total = 10_000
    for _ in range(10):
        await _emit(db, total // 10)

    worker = _worker(database_urls["app"], namespace)
    try:
        deadline = time.monotonic() + 120
        while (await _hits(db))[0] < total // 10:  # let it get well into the batch
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the worker did not start handling events"
            await asyncio.sleep(0.1)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        handled_before = (await _hits(db))[0]
        assert handled_before < total, "the kill came too late to prove anything"

        worker = _worker(database_urls["app"], namespace)
        deadline = time.monotonic() + 300
        while (await _hits(db))[0] < total:
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            if time.monotonic() > deadline:
                worker.send_signal(signal.SIGTERM)
                pytest.fail(f"only {(await _hits(db))[0]} of {total} handled: " + worker.communicate(timeout=30)[1].decode()[-3000:])
            await asyncio.sleep(0.25)
        await asyncio.sleep(1.0)  # anything handled twice would show up now
        assert await _hits(db) == (total, total)
        async with db.engine.connect() as conn:
            pids = (await conn.execute(text("SELECT DISTINCT pid FROM event_hits"))).scalars().all()
        assert len(pids) == 2  # both workers did part of the batch
        async with db.session(Scope.everything("test")) as session:
            assert await session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))) == 0
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
