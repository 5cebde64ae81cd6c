"""A plugin for job tests: counts the events it handles in the ``event_hits`` table the test creates."""

from __future__ import annotations

import os

from sqlalchemy import text

from core.plugins import HOOK_API_VERSION, hookimpl

FAILING = {"always": 0}


@hookimpl
def redprop_plugin_info():
    return {"name": "counting", "version": "1", "hook_api": HOOK_API_VERSION, "module": False}


@hookimpl
def redprop_handle_event(event):
    if event["type"] == "test.count":

        async def count(session):
            await session.execute(text("INSERT INTO event_hits (event_id, pid) VALUES (:e, :p)"), {"e": event["id"], "p": os.getpid()})

        return count
    if event["type"] == "test.fail":

        async def fail(session):
            FAILING["always"] += 1
            raise RuntimeError("this handler always fails")

        return fail
    return None
