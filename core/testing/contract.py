"""The plugin contract as a pytest suite: subclass :class:`ContractSuite` in a plugin's tests and name the plugin.

::

    from core.testing.contract import ContractSuite

    class TestContract(ContractSuite):
        plugin = "redprop_parcel_lockers"   # the plugin's package (its redprop.plugins entry point)

Each rule is a test of its own, so a failure names the rule and the offending route, table, hook or file:

- the plugin loads (imports, declares a hook API this platform provides, every declaration hook answers a list);
- hooks return the declared types (models are mapped classes, pages and indicators dicts with their keys …);
- every route carries a permission guard, every permission is a line of the plugin's policies.csv;
- compound-scoped models put compound_id first and enable row-level security in their migration (checked on the
  catalog too when the suite runs on PostgreSQL);
- the plugin's migrations upgrade and downgrade cleanly on its own branch;
- no import of another plugin, nor (for a vendor plugin) of anything in core or tenants but ``core.public``;
- every list endpoint (GET under /api/v1) answers a page, and its statement count does not grow with the page size
  (asked as the first of ``list_users`` it answers, in compound ``list_compound`` with the plugin on there: ``limit=1`` against ``limit=50``);
- zh-CN labels are present (plugin, pages, indicators; a zh_CN catalog beside templates).

The fixtures come from :mod:`core.testing.plugin` (load it in the conftest).
"""

from __future__ import annotations

import asyncio
import importlib
import re
from types import ModuleType

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from core.db import CompoundScoped
from core.migrate import alembic_config, upgrade
from core.plugins.contract import check_plugin, declaration_type_problems
from core.plugins.manager import PluginHost

CJK = re.compile(r"[\u4e00-\u9fff]")


def _tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _rls_flags(url: str, tables: list[str]) -> dict[str, tuple[bool, bool]]:
    async def read() -> dict[str, tuple[bool, bool]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    text("SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:names)"), {"names": tables}
                )
                return {name: (bool(on), bool(forced)) for name, on, forced in rows.all()}
        finally:
            await engine.dispose()

    return asyncio.run(read())


class ContractSuite:
    """Mix into a test class and set ``plugin`` (the plugin's importable package name)."""

    plugin: str = ""
    list_users: tuple[str, ...] = ("ent-a-manager", "resident-a1")
    """Demo accounts that read the plugin's lists: each list is counted as the first of them it answers."""
    list_compound: str = "A1"
    """The demo compound whose lists are counted (the plugin is turned on there for the test)."""

    def _module(self) -> ModuleType:
        assert self.plugin, "set ContractSuite.plugin to the plugin's package name"
        return importlib.import_module(self.plugin)

    def _record(self, redprop_host):
        module = self._module()
        for record in redprop_host.plugins.values():
            if record.module is module:
                return record
        reason = redprop_host.refused.get(getattr(module, "NAME", module.__name__))
        raise AssertionError(f"{self.plugin} is not loaded by the platform: {reason or 'is its redprop.plugins entry point installed?'}")

    def test_loads(self, redprop_host):
        """The platform loads the plugin (installed entry point, compatible hook API, declarations that do not raise)."""
        self._record(redprop_host)

    def test_contract(self):
        """The static rules: guards, policies, keys, migrations branch, RLS calls, imports (names every problem)."""
        report = check_plugin(self._module())
        assert report.ok, str(report)

    def test_hooks_return_declared_types(self):
        host = PluginHost()
        record = host.add(self._module())
        assert record is not None, host.refused
        problems = declaration_type_problems(record)
        assert not problems, "; ".join(problems)

    def test_zh_cn_labels(self, redprop_host):
        record = self._record(redprop_host)
        missing = []
        if not CJK.search(str(record.info.get("label_zh", ""))):
            missing.append("redprop_plugin_info label_zh")
        for hook in ("redprop_pages", "redprop_indicators", "redprop_dashboard_widgets"):
            for item in record.declarations.get(hook, []):
                if isinstance(item, dict) and not CJK.search(str(item.get("label_zh", ""))):
                    missing.append(f"{hook} {item.get('path') or item.get('code')!r} label_zh")
        root = record.migrations_dir.parent.parent if record.migrations_dir else None
        if root is not None and (root / "templates").is_dir() and not list((root / "locale" / "zh_CN" / "LC_MESSAGES").glob("*.po")):
            missing.append("locale/zh_CN/LC_MESSAGES/*.po beside its templates")
        assert not missing, "zh-CN labels missing: " + ", ".join(missing)

    def test_migrations_upgrade_and_downgrade_on_their_branch(self, redprop_host, database_urls):
        """Down to the branch's base (its tables gone, the rest kept), then up again (its tables back)."""
        record = self._record(redprop_host)
        if record.migrations_dir is None:
            return
        owner = database_urls["owner"]
        own = {m.__table__.name for m in record.declarations.get("redprop_models", [])}
        before = _tables(owner)
        assert own <= before, f"tables missing after upgrade: {sorted(own - before)}"
        command.downgrade(alembic_config(owner, redprop_host), f"{record.name}@base")
        after_down = _tables(owner)
        assert not own & after_down, f"downgrade left tables behind: {sorted(own & after_down)}"
        assert before - own <= after_down, f"downgrade dropped tables of others: {sorted((before - own) - after_down)}"
        upgrade(owner, redprop_host)
        assert own <= _tables(owner), "upgrade after downgrade did not bring the tables back"
        if database_urls.get("backend") == "postgresql":
            scoped = [m.__table__.name for m in record.declarations.get("redprop_models", []) if issubclass(m, CompoundScoped)]
            flags = _rls_flags(owner, scoped)
            off = [t for t in scoped if flags.get(t) != (True, True)]
            assert not off, f"compound-scoped tables without forced row-level security: {off}"

    async def test_every_list_is_paginated(self, redprop_host, client):
        record = self._record(redprop_host)
        schema = (await client.get("/schema/openapi.json")).json()
        components = schema.get("components", {}).get("schemas", {})

        def resolve(node: dict) -> dict:
            while "$ref" in node:
                node = components[node["$ref"].rsplit("/", 1)[-1]]
            return node

        bare = []
        for path, operations in schema["paths"].items():
            get = operations.get("get")
            if not path.startswith("/api/v1") or not get or f"/{record.name}" not in path:
                continue
            for status, response in get.get("responses", {}).items():
                for media in response.get("content", {}).values() if status.startswith("2") else ():
                    if resolve(media.get("schema", {})).get("type") == "array":
                        bare.append(path)
        assert not bare, f"list endpoints answering a bare array instead of a page (core.public.Page): {bare}"

    async def test_list_statements_do_not_grow_with_the_page_size(self, redprop_host, app, client, as_user, enable_module, city):
        """One page of 50 costs the statements of a page of 1: no query per row (DESIGN: no query inside a loop)."""
        from core.testing.statements import least

        record = self._record(redprop_host)
        compound = city.compounds[self.list_compound]
        if record.is_module:
            await enable_module(compound, record.name)
        accounts = [(name, await as_user(name)) for name in self.list_users]
        schema = (await client.get("/schema/openapi.json")).json()

        async def cost(url: str, headers: dict, limit: int) -> tuple[int, int]:
            count, response = await least(app, lambda: client.get(url, params={"limit": limit}, headers=headers))
            return response.status_code, count

        grown, refused = [], []
        for path, operations in schema["paths"].items():
            get = operations.get("get")
            names = {p["name"] for p in (get or {}).get("parameters", [])}
            required = {p["name"] for p in (get or {}).get("parameters", []) if p.get("required")}
            if not get or not path.startswith("/api/v1") or f"/{record.name}" not in path or not {"limit", "offset"} <= names:
                continue
            if required - {"compound_id"}:
                continue  # a list under another resource: the plugin's own statement tests cover it
            url = path.replace("{compound_id}", str(compound))
            for _name, headers in accounts:
                status, one_row = await cost(url, headers, 1)
                if status == 200:
                    fifty = (await cost(url, headers, 50))[1]
                    if fifty > one_row:
                        grown.append(f"{path}: {one_row} statements for 1 row, {fifty} for 50")
                    break
            else:
                refused.append(f"{path} (answered {status})")
        assert not refused, "no account of list_users reads these lists (set list_users): " + "; ".join(refused)
        assert not grown, "statement count grows with the page size (a query per row): " + "; ".join(grown)
