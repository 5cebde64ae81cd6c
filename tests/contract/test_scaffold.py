"""``redprop plugin new`` writes a package that passes the contract, migrates and serves its routes."""

from __future__ import annotations

import importlib
import os
import pathlib
import subprocess
import sys

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from core.app import create_app, load_plugins
from core.cli import main
from core.migrate import upgrade
from core.plugins.contract import check_plugin
from core.settings import load_settings
from tests.conftest import BACKEND, login


def test_scaffolded_plugin_honours_the_contract(tmp_path):
    result = CliRunner().invoke(main, ["plugin", "new", "parking_lots", "--dir", str(tmp_path), "--title", "停车管理"])
    assert result.exit_code == 0, result.output
    root = tmp_path / "redprop-parking-lots"
    assert (root / "redprop_parking_lots" / "policies.csv").exists()
    again = CliRunner().invoke(main, ["plugin", "new", "parking_lots", "--dir", str(tmp_path)])
    assert again.exit_code != 0 and "exists" in again.output
    sys.path.insert(0, str(root))
    try:
        module = importlib.import_module("redprop_parking_lots")
        report = check_plugin(module)
        assert report.ok, str(report)
    finally:
        sys.path.remove(str(root))


async def test_scaffolded_plugin_migrates_and_is_gated(tmp_path, settings, database_urls, city):
    CliRunner().invoke(main, ["plugin", "new", "visitors_log", "--dir", str(tmp_path)])
    sys.path.insert(0, str(tmp_path / "redprop-visitors-log"))
    try:
        module = importlib.import_module("redprop_visitors_log")
        host = load_plugins(load_settings())
        assert host.add(module) is not None
        upgrade(database_urls["owner"], host)
        async with AsyncTestClient(app=create_app(settings, host)) as client:
            h = await login(client, "district-1-admin")
            url = f"/api/v1/compounds/{city.compounds['A1']}/visitors_log/notes"
            ent = await login(client, "ent-a-admin")
            assert (await client.get(url, headers=ent)).status_code == 403  # not enabled yet
            await client.put(f"/api/v1/compounds/{city.compounds['A1']}/modules/visitors_log", json={"enabled": True}, headers=h)
            created = await client.post(url, json={"title": "快递柜"}, headers=ent)
            assert created.status_code == 201, created.text
            assert [n["title"] for n in (await client.get(url, headers=ent)).json()["items"]] == ["快递柜"]
            other = await login(client, "ent-b-admin")
            assert (await client.get(url, headers=other)).status_code == 404
    finally:
        sys.path.remove(str(tmp_path / "redprop-visitors-log"))


# --------------------------------------------------------------------------- a vendor's whole path, out of tree


@pytest.mark.skipif(
    BACKEND != "sqlite", reason="a few minutes: runs once, in the SQLite pass (the kit's PostgreSQL path is the suite's own)"
)
def test_scaffolded_plugin_installs_and_passes_its_own_tests_with_the_test_kit(tmp_path):
    """``redprop plugin new`` in a temporary folder, ``pip install`` (into a target folder of its own, not this venv),
    then the plugin's own tests with redprop's test kit: contract suite (migrates up and down on its branch), the
    module gated until the district enables it for a compound, its API route, console page and portal page."""
    result = CliRunner().invoke(main, ["plugin", "new", "bike_sheds", "--dir", str(tmp_path), "--title", "车棚"])
    assert result.exit_code == 0, result.output
    root, site = tmp_path / "redprop-bike-sheds", tmp_path / "site"
    python = pathlib.Path(sys.executable)
    installed = subprocess.run(
        # setuptools and wheel come from the lock: nothing is downloaded while the suite runs
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(site),
            str(root),
        ],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    assert (site / "redprop_bike_sheds" / "policies.csv").exists() and list(site.glob("redprop_bike_sheds-*.dist-info"))
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("REDPROP_DATABASE_URL", None)
    ran = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning", "tests"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    assert " passed" in ran.stdout and "failed" not in ran.stdout.splitlines()[-1]
