"""``REDPROP_EXTRA_PLUGINS`` loads a vendor's plugin from its source tree (no ``pip install``) exactly as an installed
one: checked, gated per compound, and refused — never crashing the platform — when it is broken."""

from __future__ import annotations

import dataclasses

from litestar.testing import AsyncTestClient

from core.app import create_app, load_plugins
from tests.conftest import login


async def test_an_extra_plugin_is_a_gated_module_and_a_broken_one_is_refused(settings, city):
    extra = dataclasses.replace(settings, extra_plugins=("tests.support.gated_plugin", "tests.support.no_such_plugin"))
    host = load_plugins(extra)
    assert host.plugins["gated"].is_module  # not promoted to an always-on built-in
    assert "import failed" in host.refused["tests.support.no_such_plugin"]

    a1 = city.compounds["A1"]
    async with AsyncTestClient(app=create_app(extra, host)) as client:
        staff, district = await login(client, "ent-a-manager"), await login(client, "district-1-admin")
        off = await client.get(f"/api/v1/compounds/{a1}/gated/hello", headers=staff)
        assert off.status_code == 403 and off.json()["type"].endswith("module-disabled"), off.text
        switched = await client.put(f"/api/v1/compounds/{a1}/modules/gated", json={"enabled": True}, headers=district)
        assert switched.status_code == 200, switched.text
        on = await client.get(f"/api/v1/compounds/{a1}/gated/hello", headers=staff)
        assert on.status_code == 200 and on.json() == {"compound_id": str(a1)}
