"""A plugin for the outbox benchmark: a no-op reaction to its own declared ``bench_noop.tick.emitted`` events."""

from __future__ import annotations

from core.plugins import HOOK_API_VERSION, hookimpl

TICK = "bench_noop.tick.emitted"


@hookimpl
def redprop_plugin_info():
    return {"name": "bench_noop", "version": "1", "hook_api": HOOK_API_VERSION, "module": False}


@hookimpl
def redprop_event_types():
    return [{"name": TICK, "fields": [], "description": "A benchmark's tick, emitted by bench/outbox.py and ignored."}]


@hookimpl
def redprop_handle_event(event):
    if event["type"] != TICK:
        return None

    async def nothing(session):
        return None

    return nothing
