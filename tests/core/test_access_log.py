"""The server's access log (REDPROP_ACCESS_LOG): off by default in production, and never the client's address or the
query string (which may carry a resident's name or phone number)."""

from __future__ import annotations

import base64
import logging

import uvicorn

from core import cli
from core.settings import load_settings

PRODUCTION = {"REDPROP_ENV": "production", "REDPROP_SECRET_KEY": "k" * 32, "REDPROP_DATA_KEY": base64.b64encode(b"d" * 32).decode()}


def test_the_access_log_is_off_by_default_in_production_and_can_be_switched():
    assert load_settings(PRODUCTION).access_log is False
    assert load_settings({**PRODUCTION, "REDPROP_ACCESS_LOG": "1"}).access_log is True
    assert load_settings({"REDPROP_ENV": "demo"}).access_log is True
    assert load_settings({"REDPROP_ENV": "demo", "REDPROP_ACCESS_LOG": "off"}).access_log is False


def test_a_logged_request_carries_no_address_and_no_query():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("10.1.2.3:50412", "GET", "/api/v1/residents?q=13800138000&name=张伟", "1.1", 200),
        None,
    )
    assert cli.AccessLine().filter(record)
    line = record.getMessage()
    assert line == '- - "GET /api/v1/residents HTTP/1.1" 200'
    assert "10.1.2.3" not in line and "138" not in line and "张伟" not in line


def test_serve_hands_the_setting_to_uvicorn(monkeypatch):
    seen = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: seen.append(self.config.access_log))
    monkeypatch.setattr("core.app.freeze_startup_heap", lambda: None)  # tests/core/test_heap.py; not in the test process
    for value in ("0", "1"):
        cli._run_uvicorn(object(), load_settings({**PRODUCTION, "REDPROP_ACCESS_LOG": value}), "127.0.0.1", 0)
    assert seen == [False, True]
    assert any(isinstance(f, cli.AccessLine) for f in logging.getLogger("uvicorn.access").filters)
