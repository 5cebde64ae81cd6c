"""Benchmark: one quality evaluation period over 2,000 compounds × 20 indicators on PostgreSQL (target: under 30 s).

Not a pytest test. From the repository root (PostgreSQL on 127.0.0.1:5432 as ``postgres``)::

    .venv/bin/python -m bench.quality_evaluation                  # 2,000 compounds
    .venv/bin/python -m bench.quality_evaluation --compounds 500 --runs 1

It drops and creates the database ``redprop_bench_quality``, migrates it with ``core.migrate.upgrade`` and builds the
demo city in it (as the owner, like tests/conftest.py). Then, set-based (one ``INSERT … SELECT`` per table, a few
seconds), it adds ``--compounds`` compounds to district 1, each a copy of the demo compound A1 with every
compound-scoped row A1 has (buildings, rooms, households, subscriptions and module enablements, service requests and
work orders, bills, proposals, volunteer hours, coordination cases, devices and alarms, surveys and responses,
inspections, rectification notices, request facts …), the time columns of the copied requests, cases and alarms moved
by a few hours per compound and the ratings varied so compounds differ, then ``ANALYZE`` (the statistics a running
database has; without them the planner guesses one row per table and picks nested loops over 2,000-id lists). A
scheme of the district takes 20 automatic indicators (co_building 7, coordination 4, smart_property 4, quality 5, each
through its bulk form ``compute_many``), a period covers 2020–2029, and the timed call is ``compute_period`` exactly
as the job runs it (a worker-role session of scope everything, one transaction). Each run prints its phases: every
indicator's bulk form, and the rest (compounds and module states, scoring, ranking, the bulk INSERT). The database is
dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("REDPROP_ENV", "test")
os.environ.setdefault("REDPROP_PASSWORD_HASH_PROFILE", "fast")

from sqlalchemy import func, select, text  # noqa: E402

from core.app import load_plugins  # noqa: E402
from core.db import Base, Database, Scope  # noqa: E402
from core.migrate import upgrade  # noqa: E402
from core.settings import load_settings  # noqa: E402

NAME = "redprop_bench_quality"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_S = 30.0
CODES = [
    "co_building.on_time_response",
    "co_building.on_time_completion",
    "co_building.mean_rating",
    "co_building.reopen_rate",
    "co_building.fee_collection",
    "co_building.proposals_handled",
    "co_building.volunteer_hours_per_100_households",
    "coordination.resolution_rate",
    "coordination.on_time_rate",
    "coordination.mean_hours_to_resolve",
    "coordination.escalations_per_100",
    "smart_property.device_availability",
    "smart_property.alarms_per_100_devices",
    "smart_property.mean_time_to_acknowledge",
    "smart_property.mean_time_to_resolve",
    "quality.satisfaction",
    "quality.survey_response_rate",
    "quality.inspection_score",
    "quality.rectification_on_time",
    "quality.work_order_rating",
]
SHIFTED = {  # table: time columns moved by the compound's offset (so each compound's figures differ)
    "co_building_requests": ("responded_at", "completed_at"),
    "coordination_cases": ("resolved_at",),
    "smart_property_alarms": ("acknowledged_at", "resolved_at"),
}
MODULES = ("co_building", "coordination", "smart_property", "quality")


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def build(owner: str, host, count: int) -> tuple[object, list]:
    from plugins.co_building.models.requests import ServiceRequest

    city = await host.pm.hook.redprop_demo_city().build(Database(owner), host)
    a1 = city.compounds["A1"]
    db = Database(owner)
    try:
        async with db.transaction(Scope.everything("bench: build")) as session:
            await session.execute(text("SET LOCAL session_replication_role = replica"))  # the copies' own keys only
            await session.execute(
                text("CREATE TEMP TABLE bench_new ON COMMIT DROP AS SELECT gen_random_uuid() AS cid, n FROM generate_series(1, :count) n"),
                {"count": count},
            )
            cols = [
                r[0]
                for r in (
                    await session.execute(text("SELECT column_name FROM information_schema.columns WHERE table_name = 'compounds'"))
                ).all()
            ]
            picked = ", ".join("b.cid" if c == "id" else "c.name || '-' || b.n" if c == "name" else f"c.{c}" for c in cols)
            await session.execute(
                text(f"INSERT INTO compounds ({', '.join(cols)}) SELECT {picked} FROM compounds c, bench_new b WHERE c.id = :a1"),
                {"a1": a1},
            )
            copied = {}
            for table in Base.metadata.sorted_tables:
                if "compound_id" not in table.c or table.name == "compounds":
                    continue
                pk = {c.name for c in table.primary_key.columns}
                names = [c.name for c in table.c]
                fresh = "id" in pk and "compound_id" not in pk  # a global id: a new one per copy
                shift = SHIFTED.get(table.name, ())

                def expr(name: str, fresh=fresh, shift=shift, table=table) -> str:
                    if name == "compound_id":
                        return "b.cid"
                    if name == "id" and fresh:
                        return "gen_random_uuid()"
                    if name in shift:
                        return f"t.{name} + make_interval(hours => (b.n % 37) - 12)"
                    if name == "rating" and table.name == "co_building_requests":
                        return "CASE WHEN t.rating IS NULL THEN NULL ELSE 1 + (t.rating + b.n) % 5 END"
                    return f"t.{name}"

                cols_sql = ", ".join(f'"{n}"' for n in names)
                sql = f'INSERT INTO "{table.name}" ({cols_sql}) SELECT {", ".join(expr(n) for n in names)} FROM "{table.name}" t, bench_new b WHERE t.compound_id = :a1'
                try:
                    async with session.begin_nested():
                        result = await session.execute(text(sql), {"a1": a1})
                    if result.rowcount:
                        copied[table.name] = result.rowcount
                except Exception as exc:  # a table whose copy breaks a global unique key is left out (listed)
                    print(f"  not copied: {table.name} ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})")
            for module in MODULES:  # the district enables the measured modules everywhere (where A1 had no row)
                await session.execute(
                    text(
                        "INSERT INTO module_enablements (compound_id, id, module, enabled, by_tenant_id, created_at, updated_at) "
                        "SELECT b.cid, gen_random_uuid(), :m, true, c.district_tenant_id, now(), now() FROM bench_new b JOIN compounds c ON c.id = b.cid "
                        "ON CONFLICT DO NOTHING"
                    ),
                    {"m": module},
                )
            requests = await session.scalar(select(func.count()).select_from(ServiceRequest))
        async with db.transaction(Scope.everything("bench: statistics")) as session:
            await session.execute(text("ANALYZE"))
        print(f"copied rows per table (all compounds): {', '.join(f'{k}={v:,}' for k, v in sorted(copied.items()) if v >= count)}")
        print(f"service requests in the database: {requests:,}")
    finally:
        await db.dispose()
    return city, a1


async def scheme_and_period(owner: str, host, city) -> tuple:
    from plugins.quality.schemas import evaluation as s
    from plugins.quality.services import evaluation

    district = city.tenants["D1"]
    db = Database(owner)
    try:
        async with db.transaction(Scope.everything("bench: scheme")) as session:
            weights = [Decimal(5)] * 20
            scheme = await evaluation.save_scheme(
                session,
                host,
                district,
                s.SchemeIn(
                    name="基准测试方案",
                    items=[s.SchemeItemIn(code=c, weight=w) for c, w in zip(CODES, weights, strict=True)],
                    star_thresholds=[Decimal(60), Decimal(70), Decimal(80), Decimal(90)],
                    overdue_deduction=Decimal(2),
                ),
            )
            period = await evaluation.create_period(
                session,
                district,
                s.PeriodIn(scheme_id=scheme.id, name="基准测试期", starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2030, 1, 1)),
            )
            return district, period.id
    finally:
        await db.dispose()


def _phases() -> dict[str, float]:
    """Time spent in each indicator's bulk form (``core.plugins.figures._run`` wraps every call), per run."""
    import core.plugins.figures as figures

    spent: dict[str, float] = {}
    run = figures._run

    async def timed_run(session, what, fn, *args):
        started = time.perf_counter()
        try:
            return await run(session, what, fn, *args)
        finally:
            spent[what] = spent.get(what, 0.0) + time.perf_counter() - started

    figures._run = timed_run
    return spent


async def timed(worker: str, host, district, period_id, runs: int) -> list[float]:
    from plugins.quality.models import CompoundScore
    from plugins.quality.services import evaluation

    db = Database(worker)
    timings = []
    spent = _phases()
    try:
        for _ in range(runs):
            spent.clear()
            started = time.perf_counter()
            async with db.transaction(Scope.everything("bench: compute period")) as session:
                await evaluation.compute_period(session, host, district, period_id)
            timings.append(time.perf_counter() - started)
            indicators = sum(spent.values())
            print(
                f"  phases: indicators {indicators:.1f} s ("
                + ", ".join(f"{code.split('.', 1)[1]} {s:.1f}" for code, s in sorted(spent.items(), key=lambda kv: -kv[1]))
                + f"), the rest (compounds, scoring, ranks, insert, commit) {timings[-1] - indicators:.1f} s; "
                f"load average {os.getloadavg()[0]:.2f}"
            )
            async with db.session(Scope.everything("bench: check")) as session:
                rows = (
                    await session.execute(
                        select(CompoundScore.composite, CompoundScore.stars, CompoundScore.items).where(
                            CompoundScore.period_id == period_id
                        )
                    )
                ).all()
            valued = sum(1 for r in rows for i in r.items if i["value"] is not None)
            print(
                f"compute_period: {timings[-1]:.1f} s — {len(rows):,} compound scores, {valued:,} indicator values present, "
                f"{len({r.composite for r in rows}):,} distinct composites, stars {sorted({r.stars for r in rows})}"
            )
            async with db.transaction(Scope.everything("bench: reopen")) as session:  # computed → computed again next run
                await session.execute(text("UPDATE quality_periods SET state = 'draft' WHERE id = :p"), {"p": period_id})
    finally:
        await db.dispose()
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compounds", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    settings = load_settings()
    host = load_plugins(settings)
    asyncio.run(_pg(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
    asyncio.run(_pg(f"CREATE DATABASE {NAME}"))
    owner = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{NAME}"
    try:
        started = time.perf_counter()
        upgrade(owner, host)
        city, _ = asyncio.run(build(owner, host, args.compounds))
        district, period_id = asyncio.run(scheme_and_period(owner, host, city))
        print(f"built in {time.perf_counter() - started:.0f} s (migrations, demo city, {args.compounds:,} compounds)")
        timings = asyncio.run(timed(owner.replace("postgres@", "redprop_worker@"), host, district, period_id, args.runs))
    finally:
        if not args.keep:
            asyncio.run(_pg(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
    best = min(timings)
    print(
        f"load average: {os.getloadavg()[0]:.2f}; best of {len(timings)}: {best:.1f} s; target under {TARGET_S:.0f} s — {'met' if best < TARGET_S else 'NOT met'}"
    )
    return 0 if best < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
