"""Benchmark: events per second through outbox → dramatiq (Redis) → a no-op handler, with latency.

Run from the repository root (Redis on 127.0.0.1:6379 and, for the PostgreSQL
figure, PostgreSQL on 127.0.0.1:5432 as ``postgres``):

    .venv/bin/python -m bench.outbox [--events 20000] [--workers 1] [--backend postgresql|sqlite]

It migrates a fresh database, starts ``redprop worker`` processes (Redis
broker, the no-op plugin in bench/noop_plugin.py), then emits events in
transactions of 100 at a steady pace and measures, per event, the time from
``occurred_at`` (commit of the change) to ``processed_at`` (commit of the
reaction with its processed-event record): the whole path, dispatcher and
broker included. Throughput is events over the time from the first emit to the
last processed event.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("REDPROP_ENV", "test")
os.environ.setdefault("REDPROP_PASSWORD_HASH_PROFILE", "fast")
os.environ.setdefault("REDPROP_EXTRA_PLUGINS", "bench.noop_plugin")  # its event type is declared, so emit() accepts it

from sqlalchemy import func, select  # noqa: E402

from bench.noop_plugin import TICK  # noqa: E402
from core.app import load_plugins  # noqa: E402
from core.db import Database, Scope  # noqa: E402
from core.events.models import OutboxEvent, ProcessedEvent  # noqa: E402
from core.events.services import emit  # noqa: E402
from core.migrate import upgrade  # noqa: E402
from core.settings import load_settings  # noqa: E402

REDIS_URL = os.environ.get("REDPROP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def prepare(backend: str) -> tuple[str, str, callable]:
    """Migrated database: (app url, owner url, cleanup)."""
    host = load_plugins(load_settings())
    if backend == "postgresql":
        name = f"redprop_bench_{os.getpid()}"
        asyncio.run(_pg(f"DROP DATABASE IF EXISTS {name}"))
        asyncio.run(_pg(f"CREATE DATABASE {name}"))
        owner = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        upgrade(owner, host)
        return owner.replace("postgres@", "redprop_app@"), owner, lambda: asyncio.run(_pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    folder = tempfile.mkdtemp(prefix="redprop-bench-")
    url = f"sqlite+aiosqlite:///{folder}/bench.db"
    upgrade(url, host)
    return url, url, lambda: None


def start_worker(database_url: str, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "REDPROP_BROKER_NAMESPACE": f"redprop-bench-{os.getpid()}",
        "REDPROP_DATABASE_URL": database_url,
        "REDPROP_BROKER_URL": REDIS_URL,
        "REDPROP_EXTRA_PLUGINS": "bench.noop_plugin",
        "REDPROP_WORKER_THREADS": str(threads),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen([sys.executable, "-m", "core.cli", "--log-level", "WARNING", "worker"], cwd=ROOT, env=env)


async def run(database_url: str, events: int, rate: float) -> dict[str, float]:
    db = Database(database_url)
    try:
        batch = 100
        started = time.monotonic()
        for i in range(0, events, batch):
            async with db.transaction(Scope.nothing()) as session:
                for _ in range(min(batch, events - i)):
                    emit(session, TICK, {})
            # pace the producer so latency is measured under load, not behind a backlog of the whole run
            ahead = (i + batch) / rate - (time.monotonic() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
        deadline = time.monotonic() + 600
        while True:
            async with db.session(Scope.nothing()) as session:  # outbox and processed events are not compound-scoped
                done = await session.scalar(select(func.count()).select_from(ProcessedEvent))
            if done >= events or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        async with db.session(Scope.nothing()) as session:  # outbox and processed events are not compound-scoped
            rows = (
                await session.execute(
                    select(OutboxEvent.occurred_at, ProcessedEvent.processed_at).join(
                        ProcessedEvent, ProcessedEvent.event_id == OutboxEvent.id
                    )
                )
            ).all()
    finally:
        await db.dispose()
    latencies = sorted((done - occurred).total_seconds() * 1000 for occurred, done in rows)
    first = min(o for o, _ in rows)
    last = max(d for _, d in rows)
    return {
        "events": len(rows),
        "seconds": (last - first).total_seconds(),
        "per_second": len(rows) / max((last - first).total_seconds(), 1e-9),
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=2_000, help="events per second the producer aims at")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()

    app_url, owner_url, cleanup = prepare(args.backend)
    workers = [start_worker(app_url, args.threads) for _ in range(args.workers)]
    try:
        time.sleep(3)  # let the workers boot
        result = asyncio.run(run(app_url, args.events, args.rate))
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
        cleanup()
    print(f"backend {args.backend}, {args.workers} worker(s) × {args.threads} threads, producer aiming at {args.rate:.0f}/s")
    print(f"{result['events']} events in {result['seconds']:.1f} s = {result['per_second']:.0f} events/s")
    print(f"end-to-end latency: p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms")


if __name__ == "__main__":
    main()
