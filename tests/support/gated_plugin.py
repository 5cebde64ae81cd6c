"""A vendor-like plugin for tests, loaded through ``REDPROP_EXTRA_PLUGINS``: it declares no ``module`` flag, so it is a
gated module like any installed plugin (off until a subscription or the district turns it on)."""

from __future__ import annotations

import uuid

from litestar import get

from core.authz.guard import requires
from core.context import RequestContext
from core.plugins import HOOK_API_VERSION, hookimpl


@get("/api/v1/compounds/{compound_id:uuid}/gated/hello", guards=[requires("tenants.compound", "read")])
async def hello(compound_id: uuid.UUID, ctx: RequestContext) -> dict:
    return {"compound_id": str(compound_id)}


@hookimpl
def redprop_plugin_info():
    return {"name": "gated", "version": "1", "hook_api": HOOK_API_VERSION}


@hookimpl
def redprop_route_handlers():
    return [hello]
