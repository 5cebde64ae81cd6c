"""Migrations: alembic with one version location for the core and one branch per plugin."""

from __future__ import annotations

import asyncio
import os
import pathlib
from concurrent.futures import ThreadPoolExecutor

from alembic import command
from alembic.config import Config

from core.plugins.manager import PluginHost

ROOT = pathlib.Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"


def alembic_config(url: str, host: PluginHost) -> Config:
    """The core's versions plus each installed plugin's ``migrations/versions``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    locations = [MIGRATIONS / "versions"] + [rec.migrations_dir for rec in host.plugins.values() if rec.migrations_dir]
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    cfg.attributes["url"] = url
    cfg.attributes["plugin_host"] = host
    return cfg


def upgrade(url: str, host: PluginHost, target: str = "heads") -> None:
    """Bring the database to every branch's head (core and plugins).

    The environment drives an async engine with ``asyncio.run``; called from
    inside a running loop, the migration runs on a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(alembic_config(url, host), target)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, alembic_config(url, host), target).result()


def current(url: str, host: PluginHost) -> None:
    command.current(alembic_config(url, host), verbose=False)
