"""Browser tests: the app served by uvicorn on a free local port, driven by Playwright through Debian's Chromium.

The browser is the distribution's ``/usr/bin/chromium`` (``apt-get install
chromium``); Playwright never downloads one. Without it the tests skip with
the reason, except in CI, where a missing browser fails the run.
Screenshots land in ``tests/output/screenshots`` for a person to look at.
"""

from __future__ import annotations

import os
import pathlib
import socket
import threading
import time

import pytest
import uvicorn

from core.app import create_app

CHROMIUM = pathlib.Path(os.environ.get("REDPROP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = pathlib.Path(__file__).resolve().parents[1] / "output" / "screenshots"


def pytest_collection_modifyitems(config, items):
    """The browser tests run once, on the SQLite pass: the pages a browser sees do not depend on the database backend,
    and CI's time is better spent elsewhere (the PostgreSQL pass skips them, saying so)."""
    if os.environ.get("REDPROP_TEST_BACKEND", "sqlite") == "sqlite":
        return
    here = pathlib.Path(__file__).parent
    skip = pytest.mark.skip(reason="browser tests run once, on the SQLite pass (the pages do not depend on the backend)")
    for item in items:
        if here in pathlib.Path(str(item.fspath)).parents:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(settings, plugin_host):
    """The application on ``http://127.0.0.1:<port>`` against this test's copy of the demo database."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, plugin_host), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="uvicorn-e2e", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, checked before anything else is set up for a browser test."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return str(CHROMIUM)


@pytest.fixture
def browser(chromium, live_server):
    """Chromium for one test, started after the server and closed before it.

    Playwright's synchronous API keeps its event loop marked as running in this
    thread while the browser lives; the database fixtures call ``asyncio.run``,
    so the browser must not outlive them.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` saves ``tests/output/screenshots/<name>.png``: the whole page, or what the screen shows."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str, *, full_page: bool = True) -> pathlib.Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save
