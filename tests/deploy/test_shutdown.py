"""Graceful shutdown (issue 17, point 4): on SIGTERM ``redprop serve`` stops accepting connections, lets the
requests in flight finish (up to REDPROP_SHUTDOWN_GRACE_SECONDS) and exits cleanly. Run once, on SQLite: the
behaviour is the server's, not the database's."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import BACKEND

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.skipif(BACKEND != "sqlite", reason="the server's shutdown is tested once, on SQLite")
def test_sigterm_lets_the_request_in_flight_finish_then_exits(database_urls, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "REDPROP_DATABASE_URL": database_urls["app"],
        "REDPROP_VAR_DIR": str(tmp_path),
        "REDPROP_EXTRA_PLUGINS": "tests.deploy.slow_plugin",
        "REDPROP_SHUTDOWN_GRACE_SECONDS": "20",
        "REDPROP_EMBEDDED_WORKER": "0",
        "REDPROP_MQTT_ENABLED": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "--log-level", "WARNING", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            try:
                if _get(port, "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        answers: list = []
        caller = threading.Thread(target=lambda: answers.append(_get(port, "/slow?seconds=3")))
        caller.start()
        time.sleep(1)  # the request is in the handler
        server.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(OSError):  # no new connection is taken while draining
            _get(port, "/healthz", timeout=2)
        caller.join(timeout=30)
        assert answers and answers[0][0] == 200, answers
        assert b'"slept":3' in answers[0][1].replace(b" ", b"")
        # after its clean shutdown uvicorn re-raises the signal it caught: the exit status says "terminated"
        assert server.wait(timeout=30) in (0, -signal.SIGTERM)
        assert b"Traceback" not in server.stderr.read()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
