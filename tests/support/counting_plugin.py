"""A plugin for job tests: counts the events it handles in the ``event_hits`` table the test creates."""

from __future__ import annotations

import os

from sqlalchemy import text

from core.plugins import HOOK_API_VERSION, hookimpl

FAILING = {"always": 0}
COUNT, FAIL, CLASH = "counting.hit.counted", "counting.failure.raised", "counting.clash.raised"


@hookimpl
def redprop_plugin_info():
    return {"name": "counting", "version": "1", "hook_api": HOOK_API_VERSION, "module": False}


@hookimpl
def redprop_event_types():
    return [
        {"name": COUNT, "fields": ["n"], "description": "Counted once per handling in event_hits."},
        {"name": FAIL, "fields": ["n"], "description": "Its reaction always fails."},
        {"name": "counting.hit.ignored", "fields": ["n"], "description": "Nothing reacts to it."},
        {"name": CLASH, "fields": ["n"], "description": "Its reaction breaks a constraint of its own."},
    ]


@hookimpl
def redprop_handle_event(event):
    if event["type"] == CLASH:

        async def clash(session):
            from sqlalchemy.exc import IntegrityError

            raise IntegrityError("INSERT INTO somewhere", {}, Exception("duplicate key in the reaction's own table"))

        return clash
    if event["type"] == COUNT:

        async def count(session):
            await session.execute(text("INSERT INTO event_hits (event_id, pid) VALUES (:e, :p)"), {"e": event["id"], "p": os.getpid()})

        return count
    if event["type"] == FAIL:

        async def fail(session):
            FAILING["always"] += 1
            raise RuntimeError("this handler always fails")

        return fail
    return None
