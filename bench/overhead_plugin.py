"""A plugin for ``make bench-city``'s API-overhead figure (issue 17): the same 20 work orders as
``GET /api/v1/compounds/{id}/co_building/requests?limit=20``, served by bare litestar handlers in the same process.

* ``/bench/overhead/{compound_id}/sqlalchemy``: one SQLAlchemy session on the application's database (the app role,
  row-level security scoped to the compound, as any request), the 20 newest rows, their columns as JSON; no token,
  no guard, no principal, no module check, no audit.
* ``/bench/overhead/{compound_id}/memory``: the same rows, read once and kept in memory.

Loaded only by the benchmark (``REDPROP_EXTRA_PLUGINS=bench.overhead_plugin``); never in a deployment.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get
from sqlalchemy import select

from core.db import Scope
from core.plugins import HOOK_API_VERSION, hookimpl
from plugins.co_building.models.requests import ServiceRequest

COLUMNS = (
    "id",
    "compound_id",
    "number",
    "kind",
    "category",
    "priority",
    "location",
    "channel",
    "title",
    "description",
    "state",
    "room_id",
    "assignee_user_id",
    "contact_name",
    "created_at",
    "response_due_at",
    "completion_due_at",
    "responded_at",
    "completed_at",
    "closed_at",
    "rating",
)
_MEMORY: dict[uuid.UUID, list[dict[str, Any]]] = {}


async def _rows(request: Request, compound_id: uuid.UUID) -> list[dict[str, Any]]:
    async with request.app.state.db.session(Scope.of([compound_id])) as session:
        rows = (
            await session.scalars(
                select(ServiceRequest)
                .where(ServiceRequest.compound_id == compound_id)
                .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
                .limit(20)
            )
        ).all()
        return [{name: getattr(row, name) for name in COLUMNS} for row in rows]


@get("/bench/overhead/{compound_id:uuid}/sqlalchemy", include_in_schema=False)
async def bare_sqlalchemy(request: Request, compound_id: uuid.UUID) -> dict[str, Any]:
    items = await _rows(request, compound_id)
    return {"items": items, "total": len(items)}


@get("/bench/overhead/{compound_id:uuid}/memory", include_in_schema=False)
async def from_memory(request: Request, compound_id: uuid.UUID) -> dict[str, Any]:
    items = _MEMORY.get(compound_id)
    if items is None:
        items = _MEMORY[compound_id] = await _rows(request, compound_id)
    return {"items": items, "total": len(items)}


@hookimpl
def redprop_plugin_info():
    return {"name": "bench_overhead", "version": "1", "hook_api": HOOK_API_VERSION, "module": False}


@hookimpl
def redprop_route_handlers():
    return [bare_sqlalchemy, from_memory]
