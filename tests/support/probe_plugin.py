"""A plugin for kernel tests: routes that read without any hand-written compound filter."""

from __future__ import annotations

import uuid

from litestar import get
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from core.plugins import HOOK_API_VERSION, hookimpl
from tenants.models import Room


@get("/api/v1/compounds/{compound_id:uuid}/probe/rooms", guards=[requires("tenants.compound", "read")])
async def rooms_seen(compound_id: uuid.UUID, ctx: RequestContext) -> dict:
    """Every room the request's unit of work can see, by compound — with no filter of its own."""
    seen = (await ctx.session.scalars(select(Room.compound_id).distinct())).all()
    return {"compounds": sorted(str(c) for c in seen), "can_write": ctx.can("tenants.housing", "write")}


@hookimpl
def redprop_plugin_info():
    return {"name": "probe", "version": "1", "hook_api": HOOK_API_VERSION, "module": False}


@hookimpl
def redprop_route_handlers():
    return [rooms_seen]
