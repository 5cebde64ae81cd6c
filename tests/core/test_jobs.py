"""Events through the outbox and dramatiq: at least once, applied once; retries, dead letters, the scheduler lock."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import types
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core import clock
from core.authz.models import PolicyChange
from core.authz.store import add_rule
from core.cron import Cron, CronError
from core.db import Database, Scope
from core.events.models import DeadLetter, OutboxEvent, ProcessedEvent, ScheduleTick
from core.events.services import HandlerFailed, dispatch_pending, emit, handle_events, sweep_stalled
from core.jobs.maintenance import trim_history
from core.jobs.runtime import build_runtime, claim_tick, retry_dead_letters, run_due_schedules
from core.plugins import HOOK_API_VERSION, hookimpl
from core.settings import load_settings
from tests.support import counting_plugin
from tests.support.counting_plugin import COUNT, FAIL

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


async def _emit(db: Database, count: int, type_: str = COUNT) -> list[uuid.UUID]:
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


def _plugin(name: str, **hooks) -> types.ModuleType:
    module = types.ModuleType(f"test_plugin_{name}")
    module.redprop_plugin_info = hookimpl(lambda: {"name": name, "version": "1", "hook_api": HOOK_API_VERSION, "module": False})
    for hook, fn in hooks.items():
        setattr(module, hook, hookimpl(fn))
    return module


@pytest.fixture
def host_with_counter(plugin_host):
    plugin_host.add(counting_plugin)
    yield plugin_host
    plugin_host.pm.unregister(counting_plugin)
    plugin_host.plugins.pop("counting", None)


async def test_event_is_written_only_with_its_change(db, host_with_counter):
    with pytest.raises(RuntimeError):
        async with db.transaction(Scope.nothing()) as session:
            emit(session, COUNT, {"n": 0})
            raise RuntimeError("the change failed")
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == COUNT)) == 0


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
        (event_id,) = await _emit(db, 1, FAIL)
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


# --------------------------------------------------------------------------- the sweep, several reactions, tick claims, cron, retention


async def test_sweep_re_dispatches_an_event_whose_message_was_lost(db, database_urls, host_with_counter):
    await _create_hits_table(database_urls["owner"])
    (lost,) = await _emit(db, 1)
    assert await dispatch_pending(db, lambda ids: None) == 1  # the message dies with the process that held it
    resent: list[list[str]] = []
    assert await sweep_stalled(db, host_with_counter, resent.append, timeout_seconds=300) == 0  # not yet: it may be in flight
    clock.advance(dt.timedelta(seconds=301))
    assert await sweep_stalled(db, host_with_counter, resent.append, timeout_seconds=300) == 1
    assert resent == [[str(lost)]]
    for message in resent:
        await handle_events(db, host_with_counter, [uuid.UUID(i) for i in message])
    assert await _hits(db) == (1, 1)
    async with db.session(Scope.nothing()) as session:
        event = await session.get(OutboxEvent, lost)
    assert event.handled_at is not None and event.dispatches == 2
    clock.advance(dt.timedelta(seconds=301))
    assert await sweep_stalled(db, host_with_counter, resent.append, timeout_seconds=300) == 0  # handled: left alone
    assert len(resent) == 1


async def test_sweep_settles_a_handled_event_without_sending_it_and_gives_up_after_a_few_dispatches(db, host_with_counter):
    (quiet,) = await _emit(db, 1, "counting.hit.ignored")
    (failing,) = await _emit(db, 1, FAIL)
    await dispatch_pending(db, lambda ids: None)
    sent: list[list[str]] = []
    for _ in range(6):
        clock.advance(dt.timedelta(seconds=61))
        await sweep_stalled(db, host_with_counter, sent.append, timeout_seconds=60, max_dispatches=3)
    assert sent == [[str(failing)], [str(failing)]]  # nothing reacts to the quiet one; the failing one stops at 3 dispatches
    async with db.session(Scope.nothing()) as session:
        assert (await session.get(OutboxEvent, quiet)).handled_at is not None
        assert (await session.get(OutboxEvent, failing)).handled_at is None


async def test_a_plugin_whose_parts_react_to_one_event_gets_every_reaction_once(db, plugin_host):
    ran: list[str] = []

    def parts(event):
        if event["type"] != "parted.part.touched":
            return None

        async def requests(session):
            ran.append("requests")

        async def fees(session):
            ran.append("fees")
            if ran.count("fees") == 1:
                raise RuntimeError("fees is down")

        return [requests, fees]

    touched = {"name": "parted.part.touched", "fields": ["n"], "description": "Two parts react."}
    module = _plugin("parted", redprop_handle_event=parts, redprop_event_types=lambda: [touched])
    plugin_host.add(module)
    try:
        (event_id,) = await _emit(db, 1, "parted.part.touched")
        with pytest.raises(HandlerFailed, match="parted:fees"):
            await handle_events(db, plugin_host, [event_id])
        await handle_events(db, plugin_host, [event_id])  # the retry runs only what failed
        await handle_events(db, plugin_host, [event_id])  # and a duplicate runs nothing
        assert ran == ["requests", "fees", "fees"]
        async with db.session(Scope.nothing()) as session:
            handlers = set((await session.scalars(select(ProcessedEvent.handler).where(ProcessedEvent.event_id == event_id))).all())
            assert handlers == {"parted:requests", "parted:fees"}
            assert (await session.get(OutboxEvent, event_id)).handled_at is not None
    finally:
        plugin_host.pm.unregister(module)
        plugin_host.plugins.pop("parted", None)


async def test_two_claims_of_one_tick_have_exactly_one_winner_and_no_error(db, caplog):
    claims = await asyncio.gather(*(claim_tick(db, "test.tick", 42, f"worker-{i}") for i in range(2)))
    assert sorted(claims) == [False, True]
    assert await claim_tick(db, "test.tick", 42, "worker-3") is False  # a late one loses quietly too
    assert await claim_tick(db, "test.tick", 43, "worker-3") is True
    assert "IntegrityError" not in caplog.text


@pytest.mark.parametrize(
    ("expression", "moment", "due"),
    [
        ("30 3 * * *", "2026-03-02T03:30", True),
        ("30 3 * * *", "2026-03-02T03:31", False),
        ("*/15 8-18 * * 1-5", "2026-03-06T18:45", True),  # a Friday
        ("*/15 8-18 * * 1-5", "2026-03-07T09:00", False),  # a Saturday
        ("0 9 1,15 * *", "2026-03-15T09:00", True),
        ("0 9 1 * 0", "2026-03-08T09:00", True),  # both day fields restricted: either matches (a Sunday)
        ("0 9 1 * 7", "2026-03-01T09:00", True),  # 7 is Sunday too
        ("0 0 1 1-12/3 *", "2026-04-01T00:00", True),
        ("0 0 1 1-12/3 *", "2026-05-01T00:00", False),
    ],
)
def test_cron_expressions(expression, moment, due):
    assert Cron.parse(expression).matches(dt.datetime.fromisoformat(moment)) is due


@pytest.mark.parametrize("bad", ["* * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "MON * * * *", "5-1 * * * *"])
def test_cron_outside_the_subset_is_refused(bad):
    with pytest.raises(CronError):
        Cron.parse(bad)


async def test_cron_schedules_run_in_the_platform_time_zone(database_urls, plugin_host):
    settings = load_settings({**os.environ, "REDPROP_DATABASE_URL": database_urls["app"], "REDPROP_BROKER_URL": "stub://"})
    runtime = build_runtime(settings, plugin_host)
    sent: list[str] = []
    runtime.send = lambda name, *args: sent.append(name)  # type: ignore[method-assign]
    runtime.schedules = [{"name": "test.morning", "actor": "tenants.generate_invoices", "cron": "0 8 * * *"}]
    db = Database(settings.database_url)
    try:
        shanghai_8am = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC).timestamp()  # 08:00 in Asia/Shanghai
        assert await run_due_schedules(runtime, db, shanghai_8am - 60) == 0
        assert await run_due_schedules(runtime, db, shanghai_8am + 5) == 1
        assert await run_due_schedules(runtime, db, shanghai_8am + 30) == 0  # the same minute is one tick
        assert await run_due_schedules(runtime, db, shanghai_8am + 8 * 3600) == 0  # 08:00 UTC is not due
        assert sent == ["tenants.generate_invoices"]
    finally:
        await db.dispose()


async def test_retention_trims_handled_history_past_the_configured_age(db, database_urls, host_with_counter):
    await _create_hits_table(database_urls["owner"])
    old = await _emit(db, 2)
    await dispatch_pending(db, lambda ids: None)
    await handle_events(db, host_with_counter, old)
    (unhandled,) = await _emit(db, 1, FAIL)
    await dispatch_pending(db, lambda ids: None)
    assert await claim_tick(db, "test.tick", 1, "w")
    async with db.transaction(Scope.nothing()) as session:
        for i in range(2):
            await add_rule(session, ("g", f"u:retention-{i}", "enterprise_staff", "tenant:x"))
    clock.advance(dt.timedelta(days=31))
    fresh = await _emit(db, 1)
    await dispatch_pending(db, lambda ids: None)
    await handle_events(db, host_with_counter, fresh)
    counts = await trim_history(db, days=30)
    # the test's two old events (and the demo's, settled when the template was built) are trimmed
    assert counts["outbox_events"] >= 2 and counts["processed_events"] >= 2 and counts["schedule_ticks"] == 1
    assert counts["policy_changes"] >= 1
    async with db.session(Scope.nothing()) as session:
        left = set((await session.scalars(select(OutboxEvent.id))).all())
        assert {unhandled, *fresh} <= left and not set(old) & left  # an unhandled event stays whatever its age
        assert await session.scalar(select(func.count()).select_from(PolicyChange)) >= 1  # the newest change stays
    assert await trim_history(db, days=30) == dict.fromkeys(counts, 0)


def test_the_kernel_schedules_the_sweep_and_retention(plugin_host):
    schedules = {item["actor"]: item for rec, item in plugin_host.declared("redprop_schedules") if rec.name == "core"}
    assert {"core.sweep_events", "core.trim_history"} <= set(schedules)
    assert load_settings({}).retention_days == 30
    assert load_settings({"REDPROP_RETENTION_DAYS": "7"}).retention_days == 7


async def test_an_integrity_error_inside_a_reaction_is_a_failure_not_a_duplicate(database_urls, host_with_counter):
    """Only a clash on the processed-events key means "already handled"; a reaction's own constraint error is
    reported and retried, and the event stays unhandled."""
    db = Database(database_urls["app"])
    try:
        (event_id,) = await _emit(db, 1, counting_plugin.CLASH)
        for _ in range(2):
            with pytest.raises(HandlerFailed, match="IntegrityError"):
                await handle_events(db, host_with_counter, [event_id])
        async with db.session(Scope.nothing()) as session:
            assert await session.scalar(select(ProcessedEvent).where(ProcessedEvent.event_id == event_id)) is None
            assert (await session.get(OutboxEvent, event_id)).handled_at is None
    finally:
        await db.dispose()
