"""The server freezes its start-up heap (``core.app.freeze_startup_heap``) so a full garbage collection no longer walks
the modules, routes and plugins of a built application: what is garbage at that moment is still freed, and what the
process allocates afterwards (requests, a reconciled policy) is still collected."""

from __future__ import annotations

import base64
import gc
import weakref

import uvicorn

from core import cli
from core.app import freeze_startup_heap
from core.settings import load_settings

PRODUCTION = {"REDPROP_ENV": "production", "REDPROP_SECRET_KEY": "k" * 32, "REDPROP_DATA_KEY": base64.b64encode(b"d" * 32).decode()}


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_serve_freezes_the_heap_before_uvicorn_runs(monkeypatch):
    frozen_when_run = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: frozen_when_run.append(gc.get_freeze_count()))
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        cli._run_uvicorn(object(), load_settings(PRODUCTION), "127.0.0.1", 0)
    finally:
        gc.unfreeze()
    assert frozen_when_run and frozen_when_run[0] > 0


def test_garbage_before_and_after_the_freeze_is_still_freed():
    gc.disable()  # no collection between the steps but the ones asked for
    try:
        before = Node()
        gone_before = weakref.ref(before)
        del before
        freeze_startup_heap()
        assert gone_before() is None  # collected first, not frozen for ever
        kept = Node()
        after = Node()
        gone_after, live = weakref.ref(after), weakref.ref(kept)
        del after
        gc.collect()
        assert gone_after() is None  # allocated after the freeze: collected as usual
        assert live() is kept
    finally:
        gc.unfreeze()
        gc.enable()
