"""A vendor plugin's lifecycle: installed → available → enabled for a compound → disabled (data kept, routes answer
module-disabled) → purged (data exported to a file, tables dropped after a confirmation)."""

from __future__ import annotations

import importlib
import json
import sys

from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from core.app import create_app, load_plugins
from core.cli import main
from core.migrate import upgrade
from core.settings import get_settings, load_settings
from tests.conftest import login


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_installed_enabled_disabled_purged(tmp_path, settings, database_urls, city, monkeypatch):
    assert CliRunner().invoke(main, ["plugin", "new", "locker_rooms", "--dir", str(tmp_path), "--title", "储物间"]).exit_code == 0
    site = tmp_path / "redprop-locker-rooms"
    dist = site / "redprop_locker_rooms-0.1.0.dist-info"  # what pip writes: the entry point makes it "installed"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: redprop-locker-rooms\nVersion: 0.1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[redprop.plugins]\nlocker_rooms = redprop_locker_rooms\n", encoding="utf-8")
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    monkeypatch.setenv("REDPROP_DATABASE_URL", database_urls["owner"])
    monkeypatch.setenv("REDPROP_MIGRATE_DATABASE_URL", database_urls["owner"])
    monkeypatch.setenv("REDPROP_CROSS_SCOPE_DATABASE_URL", database_urls["owner"])
    get_settings.cache_clear()
    try:
        host = load_plugins(load_settings())
        assert "locker_rooms" in host.plugins
        upgrade(database_urls["owner"], host)

        listed = CliRunner().invoke(main, ["plugins"])
        assert "locker_rooms 0.1.0 [available] hook API 1" in listed.output, listed.output

        a1 = city.compounds["A1"]
        url = f"/api/v1/compounds/{a1}/locker_rooms/notes"
        async with AsyncTestClient(app=create_app(settings, host)) as client:
            district, staff = await login(client, "district-1-admin"), await login(client, "ent-a-admin")
            switch = f"/api/v1/compounds/{a1}/modules/locker_rooms"
            assert (await client.put(switch, json={"enabled": True}, headers=district)).status_code == 200
            assert (await client.post(url, json={"title": "三号储物间"}, headers=staff)).status_code == 201

            assert (await client.put(switch, json={"enabled": False}, headers=district)).status_code == 200
            off = await client.get(url, headers=staff)
            assert off.status_code == 403 and off.json()["type"].endswith("module-disabled"), off.text
            assert (await client.put(switch, json={"enabled": True}, headers=district)).status_code == 200
            kept = await client.get(url, headers=staff)
            assert [n["title"] for n in kept.json()["items"]] == ["三号储物间"]  # data kept while it was off

        refused = CliRunner().invoke(main, ["plugins", "purge", "locker_rooms", "--export", str(tmp_path / "out.json")], input="n\n")
        assert refused.exit_code != 0 and "locker_rooms_notes" in await _tables(database_urls["owner"])
        assert not (tmp_path / "out.json").exists()
        assert CliRunner().invoke(main, ["plugins", "purge", "tenants", "--yes"]).exit_code != 0  # built-ins stay

        purged = CliRunner().invoke(main, ["plugins", "purge", "locker_rooms", "--export", str(tmp_path / "out.json")], input="y\n")
        assert purged.exit_code == 0, purged.output
        exported = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
        assert [row["title"] for row in exported["locker_rooms_notes"]] == ["三号储物间"]
        tables = await _tables(database_urls["owner"])
        assert "locker_rooms_notes" not in tables and "compounds" in tables
        # nothing of it is left in the control plane: the district's enablement went into the export
        assert [row["compound_id"] for row in exported["_control_plane"]["module_enablements"]] == [str(a1)]
        engine = create_async_engine(database_urls["owner"])
        try:
            async with engine.connect() as conn:
                left = await conn.scalar(text("SELECT count(*) FROM module_enablements WHERE module = 'locker_rooms'"))
        finally:
            await engine.dispose()
        assert left == 0
    finally:
        get_settings.cache_clear()
        sys.path.remove(str(site))
        for name in [m for m in sys.modules if m.startswith("redprop_locker_rooms")]:
            del sys.modules[name]
