"""A plugin for the outbox benchmark: a no-op reaction to ``bench.tick`` events."""

from __future__ import annotations

from core.plugins import HOOK_API_VERSION, hookimpl


@hookimpl
def redprop_plugin_info():
    return {"name": "bench_noop", "version": "1", "hook_api": HOOK_API_VERSION, "module": False}


@hookimpl
def redprop_handle_event(event):
    if event["type"] != "bench.tick":
        return None

    async def nothing(session):
        return None

    return nothing
