"""A plugin for the shutdown test: one public route that takes its time (REDPROP_EXTRA_PLUGINS)."""

from __future__ import annotations

import asyncio

from litestar import get

from core.plugins import HOOK_API_VERSION, hookimpl


@get("/slow", opt={"public": True}, sync_to_thread=False)
async def slow(seconds: float = 1.0) -> dict:
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@hookimpl
def redprop_plugin_info():
    return {"name": "slow", "version": "1", "hook_api": HOOK_API_VERSION, "module": False}


@hookimpl
def redprop_route_handlers():
    return [slow]
