"""A plugin whose list runs one query per row: the contract suite's statement rule must catch it."""

from __future__ import annotations

import uuid

from litestar import get
from sqlalchemy import func, select

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam
from core.plugins import HOOK_API_VERSION, hookimpl
from tenants.models import Room


@get("/api/v1/compounds/{compound_id:uuid}/n_plus_one/rooms", guards=[requires("tenants.compound", "read")])
async def rooms(compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0) -> dict:
    ids = (await ctx.session.scalars(select(Room.id).order_by(Room.id).limit(limit).offset(offset))).all()
    items = [{"id": str(i), "n": await ctx.session.scalar(select(func.count()).where(Room.id == i))} for i in ids]  # the defect
    return {"items": items, "total": len(items), "limit": limit, "offset": offset}


@hookimpl
def redprop_plugin_info():
    return {"name": "n_plus_one", "version": "1", "hook_api": HOOK_API_VERSION, "module": False}


@hookimpl
def redprop_route_handlers():
    return [rooms]
