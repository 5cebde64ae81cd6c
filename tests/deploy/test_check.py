"""``redprop check`` (issue 17, point 4): the configuration and every service, as the app would meet them."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os

import pytest
from click.testing import CliRunner

from core.check import FAIL, OK, mqtt_handshake, run_checks, secrets_findings
from core.cli import main
from core.settings import DEMO_SECRET, load_settings
from tests.conftest import BACKEND

KEY = base64.b64encode(bytes(range(32))).decode()


def _rows(findings, check):
    return [f for f in findings if f.check == check]


def test_the_demo_secrets_are_refused_outside_the_demo():
    production = load_settings(
        {
            "REDPROP_ENV": "production",
            "REDPROP_SECRET_KEY": DEMO_SECRET,
            "REDPROP_DATA_KEY": KEY,
            "REDPROP_DATABASE_URL": "sqlite+aiosqlite:///x.db",
        }
    )
    (row,) = secrets_findings(production)
    assert row.status == FAIL and "demo's secret" in row.detail
    without_data_key = load_settings({"REDPROP_ENV": "test", "REDPROP_SECRET_KEY": "s" * 40})
    assert [f.status for f in secrets_findings(without_data_key)] == ["warn"]
    demo = load_settings({})
    assert all(f.status != FAIL for f in secrets_findings(demo))
    good = load_settings({"REDPROP_ENV": "test", "REDPROP_SECRET_KEY": "s" * 40, "REDPROP_DATA_KEY": KEY})
    assert [f.status for f in secrets_findings(good)] == [OK]


def test_the_command_prints_a_table_and_exits_non_zero_on_a_failure(tmp_path):
    env = {
        "REDPROP_ENV": "production",
        "REDPROP_SECRET_KEY": DEMO_SECRET,
        "REDPROP_DATA_KEY": KEY,
        "REDPROP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'none.db'}",
        "REDPROP_VAR_DIR": str(tmp_path),
        "REDPROP_BROKER_URL": "redis://127.0.0.1:1/0",
    }
    result = CliRunner().invoke(main, ["check"], env=env)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["check", "status", "detail"]
    table = {line.split()[0]: line.split()[1] for line in lines[1:] if line.strip()}
    assert table["secrets"] == FAIL and table["database"] == FAIL and table["broker"] == FAIL
    assert table["storage"] == OK
    missing = CliRunner().invoke(main, ["check"], env={"REDPROP_ENV": "production", "REDPROP_SECRET_KEY": "", "REDPROP_DATA_KEY": ""})
    assert missing.exit_code == 1 and "REDPROP_SECRET_KEY must be set in production" in missing.output


@pytest.mark.skipif(BACKEND != "postgresql", reason="roles and row-level security exist only on PostgreSQL")
async def test_the_app_role_passes_and_an_owner_url_fails(settings, database_urls, plugin_host, tmp_path):
    configured = dataclasses.replace(settings, secret_key="s" * 40, data_key=bytes(range(32)), var_dir=tmp_path)
    findings = await run_checks(configured, plugin_host)
    for check in ("database", "cross-scope role", "migrations", "storage", "secrets", "plugins"):
        assert [f.status for f in _rows(findings, check)] == [OK], findings
    assert "row-level security on and holding" in _rows(findings, "database")[0].detail
    as_owner = await run_checks(dataclasses.replace(configured, database_url=database_urls["owner"]), plugin_host)
    (database,) = _rows(as_owner, "database")
    assert database.status == FAIL and "superuser" in database.detail


async def test_mqtt_handshake_answers_ok_only_for_a_broker_that_accepts():
    async def broker(reader, writer):
        await reader.read(64)
        writer.write(b"\x20\x02\x00\x00")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(broker, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        assert await mqtt_handshake(f"mqtt://127.0.0.1:{port}") == "ok"
    assert (await mqtt_handshake(f"mqtt://127.0.0.1:{port}", timeout=1)).startswith("unreachable")
    if os.environ.get("CI"):  # the broker .ci/run starts
        assert await mqtt_handshake("mqtt://127.0.0.1:1883") == "ok"
