"""The job runtime of one process: broker, actors, worker, outbox dispatcher and scheduler.

The broker is chosen from ``REDPROP_BROKER_URL`` before any actor is declared:
Redis or RabbitMQ in production, dramatiq's StubBroker with an in-process
worker in the embedded mode (``make demo`` needs no server). Actors are
declared from :class:`Job` specs that core and plugins publish through
``redprop_actors``, so nothing binds to a broker at import time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO, Middleware, Retries
from sqlalchemy import select, update

from core.clock import now
from core.cron import Cron
from core.db import Database, Scope
from core.events.models import DeadLetter, ScheduleTick
from core.events.services import dispatch_pending, handle_events
from core.plugins.manager import PluginHost
from core.settings import Settings

log = logging.getLogger("redprop.jobs")

JobFn = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Job:
    """An async job: ``fn(runtime, *args)``; args are ids and plain JSON values, never ORM objects."""

    name: str
    fn: JobFn
    queue: str = "default"
    max_retries: int | None = None
    time_limit_ms: int = 10 * 60 * 1000


def job(name: str, **options: Any) -> Callable[[JobFn], Job]:
    """Decorator publishing an async function as a job (declare it through ``redprop_actors``)."""

    def wrap(fn: JobFn) -> Job:
        return Job(name=name, fn=fn, **options)

    return wrap


def make_broker(url: str, settings: Settings) -> dramatiq.Broker:
    if url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        broker: dramatiq.Broker = RedisBroker(
            url=url,
            namespace=settings.broker_namespace,
            heartbeat_timeout=settings.broker_heartbeat_ms,
            dead_message_ttl=7 * 86400 * 1000,
            maintenance_chance=settings.broker_maintenance_chance,
        )
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    elif url.startswith("stub://") or not url:
        broker = StubBroker()
        broker.emit_after("process_boot")
    else:
        raise ValueError(f"REDPROP_BROKER_URL scheme not supported: {url}")
    for middleware in list(broker.middleware):
        if isinstance(middleware, Retries):
            middleware.max_retries = settings.job_max_retries
            middleware.min_backoff = 500
            middleware.max_backoff = settings.job_max_backoff_ms
    broker.add_middleware(AsyncIO())
    return broker


class MalformedMessage(Exception):
    """A message no retry can ever handle (arguments of the wrong shape, bytes that are no message): it becomes a
    dead letter at once, and the worker goes on with the next one."""


MALFORMED_ACTOR = "core.malformed_message"
"""The actor an undecodable message is handed to (:class:`SafeEncoder`): it only fails, so the message is dead-lettered."""


class SafeEncoder(dramatiq.JSONEncoder):
    """dramatiq's JSON encoding, except that bytes which are no message decode to a message for
    :data:`MALFORMED_ACTOR` carrying them (as text), instead of an error that stops the broker's consumer (the
    Redis consumer would restart and fetch the same bytes again, the stub consumer would lose a prefetch slot)."""

    def decode(self, data: bytes) -> dict[str, Any]:
        try:
            fields = super().decode(data)
            if not isinstance(fields, dict) or not {"queue_name", "actor_name", "args", "message_id"} <= fields.keys():
                raise ValueError("not a dramatiq message")
            return fields
        except Exception as exc:
            text = data.decode("utf-8", "replace") if isinstance(data, bytes) else repr(data)
            message_id = str(uuid.uuid5(uuid.NAMESPACE_OID, hashlib.sha256(text.encode()).hexdigest()))  # the same bytes, one letter
            log.error("undecodable message %s on the queue: %s", message_id, type(exc).__name__)
            return {
                "queue_name": "default",
                "actor_name": MALFORMED_ACTOR,
                "args": [text[:2000], f"{type(exc).__name__}: {exc}"[:500]],
                "kwargs": {},
                "options": {"redis_message_id": message_id},
                "message_id": message_id,
                "message_timestamp": int(time.time() * 1000),
            }


class DeadLetters(Middleware):
    """Records a message that failed for good in ``dead_letters`` (listable, retryable): retries exhausted, a
    :class:`MalformedMessage`, or a message for an actor this process does not know (rejected before it runs)."""

    def __init__(self, runtime: JobRuntime) -> None:
        self.runtime = runtime

    def _record(self, message, exception: BaseException | None) -> None:
        if exception is None:
            error = f"no actor named {message.actor_name!r} in this process"
        else:
            error = "".join(traceback.format_exception_only(type(exception), exception)).strip()
        self.runtime.call_soon(
            self.runtime.record_dead_letter(
                message.message_id, message.queue_name, message.actor_name, list(message.args), dict(message.kwargs), error
            )
        )

    def after_process_message(self, broker, message, *, result=None, exception=None):
        if exception is None or not getattr(message, "failed", False):
            return  # succeeded, or the Retries middleware (which runs first) will try again
        self._record(message, exception)

    def after_nack(self, broker, message):
        if message.actor_name not in broker.actors:  # refused before any middleware ran: recorded here
            self._record(message, None)


@dataclass
class JobRuntime:
    """Everything job-related one process holds."""

    settings: Settings
    host: PluginHost
    broker: dramatiq.Broker
    jobs: dict[str, Job] = field(default_factory=dict)
    actors: dict[str, dramatiq.Actor] = field(default_factory=dict)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    worker: dramatiq.Worker | None = None
    _databases: dict[int, Database] = field(default_factory=dict)
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    identity: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    # ---------------------------------------------------------------- databases

    def database(self) -> Database:
        """A database handle for the running event loop (engines do not cross loops)."""
        loop = asyncio.get_running_loop()
        db = self._databases.get(id(loop))
        if db is None:
            db = self._databases[id(loop)] = Database.from_settings(self.settings)
        return db

    def call_soon(self, coro: Awaitable[Any]) -> None:
        """Run a coroutine from a synchronous broker callback."""
        from dramatiq.asyncio import get_event_loop_thread

        thread = get_event_loop_thread()
        if thread is not None:
            thread.run_coroutine(coro)
        else:
            asyncio.run(coro)  # type: ignore[arg-type]

    # ---------------------------------------------------------------- declaring

    def declare(self) -> None:
        # after_* hooks run in reverse order: placed before Retries, this one sees its verdict
        self.broker.add_middleware(DeadLetters(self), before=Retries)
        specs = [*core_jobs(), *(item for _, item in self.host.declared("redprop_actors") if isinstance(item, Job))]
        for spec in specs:
            self.jobs[spec.name] = spec
            self.actors[spec.name] = self._actor(spec)
        self.schedules = [*core_schedules(), *(item for _, item in self.host.declared("redprop_schedules"))]

    def _actor(self, spec: Job) -> dramatiq.Actor:
        runtime = self

        async def run(*args: Any) -> None:
            await spec.fn(runtime, *args)  # results are not kept: jobs report through the database

        run.__name__ = spec.name.replace(".", "_")
        options: dict[str, Any] = {"time_limit": spec.time_limit_ms, "throws": (MalformedMessage,)}
        if spec.max_retries is not None:
            options["max_retries"] = spec.max_retries
        return dramatiq.actor(run, actor_name=spec.name, queue_name=spec.queue, broker=self.broker, **options)

    def send(self, name: str, *args: Any) -> None:
        self.actors[name].send(*args)

    # ---------------------------------------------------------------- running

    def start_worker(self, threads: int | None = None) -> None:
        self.worker = dramatiq.Worker(self.broker, worker_threads=threads or self.settings.worker_threads, worker_timeout=100)
        self.worker.start()

    def start_loops(self, dispatch_interval: float = 0.2, schedule_interval: float = 1.0) -> None:
        """The outbox dispatcher and the scheduler, each on a thread with its own event loop."""
        self._stop.clear()
        for target, interval in ((self._dispatch_once, dispatch_interval), (self._schedule_once, schedule_interval)):
            thread = threading.Thread(target=self._loop, args=(target, interval), daemon=True, name=f"redprop-{target.__name__}")
            thread.start()
            self._threads.append(thread)

    def _loop(self, step: Callable[[], Awaitable[int]], interval: float) -> None:
        async def main() -> None:
            while not self._stop.is_set():
                try:
                    busy = await step()
                except Exception:
                    log.exception("%s failed; retrying", step.__name__)
                    busy = 0
                if not busy:
                    await asyncio.sleep(interval)
            db = self._databases.pop(id(asyncio.get_running_loop()), None)
            if db is not None:
                await db.dispose()

        asyncio.run(main())

    async def _dispatch_once(self) -> int:
        actor = self.actors["core.handle_events"]
        return await dispatch_pending(self.database(), lambda ids: actor.send(ids))

    async def _schedule_once(self) -> int:
        return await run_due_schedules(self, self.database(), time.time())

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    async def record_dead_letter(self, message_id: str, queue: str, actor: str, args: list, kwargs: dict, error: str) -> None:
        async with self.database().transaction(Scope.nothing()) as session:
            exists = await session.scalar(select(DeadLetter.id).where(DeadLetter.message_id == message_id))
            if not exists:
                session.add(
                    DeadLetter(
                        message_id=message_id, queue=queue, actor=actor, args=args, kwargs=kwargs, error=error[:4000], failed_at=now()
                    )
                )
        log.error("message %s of %s is a dead letter: %s", message_id, actor, error[:200])


# --------------------------------------------------------------------------- core jobs and schedules


async def _handle_events(runtime: JobRuntime, event_ids: list[str]) -> None:
    try:
        ids = [uuid.UUID(i) for i in event_ids]
    except (TypeError, ValueError, AttributeError) as exc:
        raise MalformedMessage(f"core.handle_events takes a list of event ids, got {event_ids!r:.200}") from exc
    await handle_events(runtime.database(), runtime.host, ids)


async def _malformed_message(runtime: JobRuntime, data: str, reason: str) -> None:
    raise MalformedMessage(f"undecodable message ({reason})")


async def _deliver_notifications(runtime: JobRuntime) -> None:
    from core.notifications.channels import collect_channels
    from core.notifications.services import deliver_pending

    await deliver_pending(runtime.database(), collect_channels(runtime.host, runtime.settings))


def core_jobs() -> list[Job]:
    """The kernel's own jobs; the control plane's (monthly invoices) and the plugins' come through ``redprop_actors``."""
    return [
        Job("core.handle_events", _handle_events),
        Job("core.deliver_notifications", _deliver_notifications),
        Job(MALFORMED_ACTOR, _malformed_message, max_retries=0),
    ]


def core_schedules() -> list[dict[str, Any]]:
    return [{"name": "core.notifications", "actor": "core.deliver_notifications", "every_seconds": 15}]


async def claim_tick(db: Database, name: str, tick: int, identity: str) -> bool:
    """Take one tick of a schedule for this worker; False when another worker has it.

    ``INSERT … ON CONFLICT DO NOTHING``: the loser learns it from the row count,
    and no failed unique insert ever reaches the database's log.
    """
    values = {"name": name, "tick": tick, "claimed_at": now(), "claimed_by": identity}
    if db.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    async with db.transaction(Scope.nothing()) as session:  # schedule ticks are not compound-scoped
        result = await session.execute(insert(ScheduleTick).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1


def due_tick(schedule: dict[str, Any], epoch: float, zone: ZoneInfo) -> int | None:
    """The tick of ``schedule`` due at ``epoch``: every ``every_seconds``, or the minute a ``cron`` matches (local time)."""
    if schedule.get("cron"):
        minute = int(epoch // 60)
        cron = _CRONS.get(schedule["cron"]) or _CRONS.setdefault(schedule["cron"], Cron.parse(schedule["cron"]))
        return minute if cron.matches(dt.datetime.fromtimestamp(minute * 60, zone)) else None
    every = int(schedule.get("every_seconds") or 0)
    return int(epoch // every) if every > 0 else None


_CRONS: dict[str, Cron] = {}


async def run_due_schedules(runtime: JobRuntime, db: Database, epoch: float) -> int:
    """Enqueue every schedule whose tick is due, once across all workers (the tick row is the lock)."""
    sent = 0
    zone = ZoneInfo(runtime.settings.default_timezone)
    for schedule in runtime.schedules:
        if schedule["actor"] not in runtime.actors:
            continue
        tick = due_tick(schedule, epoch, zone)
        if tick is None or not await claim_tick(db, schedule["name"], tick, runtime.identity):
            continue
        runtime.send(schedule["actor"], *schedule.get("args", ()))
        sent += 1
    return sent


async def retry_dead_letters(runtime: JobRuntime, db: Database, ids: list[int] | None = None) -> int:
    """Send dead letters again (all not yet retried, or the given ids)."""
    async with db.transaction(Scope.nothing()) as session:  # dead letters are not compound-scoped: no scope needed
        stmt = select(DeadLetter).where(DeadLetter.retried_at.is_(None))
        if ids:
            stmt = stmt.where(DeadLetter.id.in_(ids))
        letters = (await session.scalars(stmt.order_by(DeadLetter.id))).all()
        for letter in letters:
            runtime.actors[letter.actor].send_with_options(args=tuple(letter.args), kwargs=letter.kwargs)
        if letters:
            await session.execute(update(DeadLetter).where(DeadLetter.id.in_([d.id for d in letters])).values(retried_at=now()))
    return len(letters)


def build_runtime(settings: Settings, host: PluginHost) -> JobRuntime:
    dramatiq.set_encoder(SafeEncoder())
    broker = make_broker(settings.broker_url, settings)
    dramatiq.set_broker(broker)
    runtime = JobRuntime(settings=settings, host=host, broker=broker)
    runtime.declare()
    return runtime
