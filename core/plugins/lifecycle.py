"""A plugin's life on a platform: installed (its entry point) → available (loaded, checks passed) → enabled per
compound (a subscription's plan or the district) → disabled (data kept, its routes answer ``module-disabled``) →
purged (``redprop plugins purge NAME``: its data exported to a file, then its tables dropped through its own
migration branch, down to the branch's base).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import pathlib
from dataclasses import dataclass
from typing import Any

from alembic import command
from sqlalchemy import MetaData, Table, inspect, select
from sqlalchemy.ext.asyncio import create_async_engine

from core.migrate import alembic_config
from core.plugins.manager import PluginHost, PluginRecord


@dataclass(frozen=True)
class PluginState:
    """One line of ``redprop plugins``."""

    name: str
    state: str
    version: str
    hook_api: str
    compounds: list[str]
    note: str = ""


def states(host: PluginHost, enabled: dict[str, list[str]]) -> list[PluginState]:
    """Each plugin's state: built-in, enabled (with its compounds), available, or refused (with the reason)."""
    out = []
    for rec in host.plugins.values():
        compounds = enabled.get(rec.name, []) if rec.is_module else []
        state = "built-in" if not rec.is_module else ("enabled" if compounds else "available")
        out.append(PluginState(rec.name, state, rec.version, str(rec.info.get("hook_api", "?")), compounds))
    for name, reason in host.refused.items():
        out.append(PluginState(name, "refused", "?", "?", [], reason))
    return out


def tables_of(record: PluginRecord) -> list[str]:
    """The plugin's tables (from its models), children before parents."""
    tables = [m.__table__ for m in record.declarations.get("redprop_models", [])]
    from sqlalchemy.sql.ddl import sort_tables

    return [t.name for t in reversed(sort_tables(tables))]


def run_to_completion(work: Any) -> Any:
    """Run ``work`` (a coroutine function or a callable that may call ``asyncio.run``) to completion, on a thread of
    its own when the caller already runs an event loop (as migrations do)."""
    from concurrent.futures import ThreadPoolExecutor

    def call() -> Any:
        result = work()
        return asyncio.run(result) if asyncio.iscoroutine(result) else result

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value if isinstance(value, int | float | bool | str | type(None)) else str(value)


def export(url: str, tables: list[str], path: pathlib.Path) -> dict[str, int]:
    """Every row of ``tables`` into one JSON file ``{table: [row, ...]}``; returns rows per table."""

    async def read() -> dict[str, list[dict[str, Any]]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                present = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
                data: dict[str, list[dict[str, Any]]] = {}
                for name in tables:
                    if name not in present:
                        continue
                    table = await conn.run_sync(lambda c, n=name: Table(n, MetaData(), autoload_with=c))
                    rows = (await conn.execute(select(table))).mappings().all()
                    data[name] = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
                return data
        finally:
            await engine.dispose()

    data = run_to_completion(read)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return {name: len(rows) for name, rows in data.items()}


def append_to_export(path: pathlib.Path, extra: dict[str, Any]) -> None:
    """Add ``extra`` (e.g. the control plane's rows the purge removed) to an export written by :func:`export`."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(extra)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def purge(url: str, host: PluginHost, name: str) -> None:
    """Drop the plugin's tables by running its migration branch down to its base (the other branches untouched)."""
    run_to_completion(lambda: command.downgrade(alembic_config(url, host), f"{name}@base"))
