"""Deliberately broken vendor plugins are refused at load or flagged by the contract check, each with a message that
names the problem, and the platform still starts with the others.

Each broken plugin is a scaffolded package (``redprop plugin new``) with one fault put in.
"""

from __future__ import annotations

import importlib
import pathlib
import sys

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from core.app import create_app, load_plugins
from core.cli import main
from core.plugins.contract import check_plugin
from core.plugins.hookspecs import HOOK_API
from core.plugins.manager import PluginHost
from core.settings import load_settings


def _scaffold(tmp_path: pathlib.Path, name: str) -> pathlib.Path:
    result = CliRunner().invoke(main, ["plugin", "new", name, "--dir", str(tmp_path), "--title", "坏插件"])
    assert result.exit_code == 0, result.output
    return tmp_path / f"redprop-{name.replace('_', '-')}" / f"redprop_{name}"


def _edit(path: pathlib.Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _install(tmp_path: pathlib.Path, package: pathlib.Path, name: str) -> None:
    """Make the package importable and its ``redprop.plugins`` entry point discoverable, as pip would."""
    site = package.parent
    dist = site / f"redprop_{name}-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: redprop-{name}\nVersion: 0.1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(f"[redprop.plugins]\n{name} = redprop_{name}\n", encoding="utf-8")


@pytest.fixture
def on_path():
    added: list[str] = []

    def _add(folder: pathlib.Path) -> None:
        sys.path.insert(0, str(folder))
        added.append(str(folder))
        importlib.invalidate_caches()

    yield _add
    for folder in added:
        sys.path.remove(folder)
    for name in [m for m in sys.modules if m.startswith("redprop_broken")]:
        del sys.modules[name]


def _module(name: str):
    return importlib.import_module(f"redprop_{name}")


def test_a_plugin_that_raises_at_import_is_refused_and_the_platform_starts(tmp_path, on_path, settings):
    package = _scaffold(tmp_path, "broken_import")
    _edit(package / "__init__.py", "NAME = ", 'raise RuntimeError("boom at import")\nNAME = ')
    _install(tmp_path, package, "broken_import")
    on_path(package.parent)
    host = load_plugins(load_settings())
    assert "broken_import" in host.refused and "import failed: RuntimeError: boom at import" in host.refused["broken_import"]
    assert {"core", "tenants", "co_building"} <= set(host.plugins)

    async def starts() -> None:
        async with AsyncTestClient(app=create_app(settings, host)) as client:
            assert (await client.get("/healthz")).status_code == 200

    import asyncio

    asyncio.run(starts())


def test_a_hook_api_of_a_newer_major_is_refused_with_what_to_upgrade(tmp_path, on_path):
    package = _scaffold(tmp_path, "broken_future")
    _edit(package / "__init__.py", '"hook_api": HOOK_API_VERSION', '"hook_api": "2.0"')
    on_path(package.parent)
    host = PluginHost()
    assert host.add(_module("broken_future")) is None
    assert host.refused["broken_future"] == (
        f"built for hook API 2.0, this platform provides {HOOK_API}: upgrade redprop to a release providing hook API 2.x"
    )
    report = check_plugin(_module("broken_future"))
    assert not report.ok and "upgrade redprop" in str(report)


def test_an_older_minor_keeps_working_and_a_newer_minor_is_refused(tmp_path, on_path):
    package = _scaffold(tmp_path, "broken_minor")
    on_path(package.parent)
    module = _module("broken_minor")
    info = module.redprop_plugin_info

    module.redprop_plugin_info = lambda: {**info(), "hook_api": "1.0"}
    assert PluginHost().add(module) is not None
    module.redprop_plugin_info = lambda: {**info(), "hook_api": "1.9"}
    host = PluginHost()
    assert host.add(module) is None and "needs hook API 1.9" in host.refused["broken_minor"]
    module.redprop_plugin_info = lambda: {**info(), "api": "2.0"}
    host = PluginHost()
    assert host.add(module) is None and "public API" in host.refused["broken_minor"]


def test_a_wrong_hook_return_type_is_refused_naming_the_hook(tmp_path, on_path):
    package = _scaffold(tmp_path, "broken_types")
    _edit(package / "pages.py", "PAGES: list[dict] = [", "PAGES = dict(pages=[")
    _edit(package / "pages.py", "\n]\n", "\n])\n")
    on_path(package.parent)
    host = PluginHost()
    assert host.add(_module("broken_types")) is None
    assert host.refused["broken_types"] == "redprop_pages returned dict, the hook declares a list"


def test_a_wrong_item_type_is_flagged(tmp_path, on_path):
    package = _scaffold(tmp_path, "broken_items")
    _edit(package / "models.py", "MODELS: list[type] = [Note]", 'MODELS: list[type] = [Note, "notes"]')
    on_path(package.parent)
    report = check_plugin(_module("broken_items"))
    assert "redprop_models returned 'notes', expected a mapped model class" in str(report)


def test_a_route_without_a_guard_is_flagged(tmp_path, on_path):
    package = _scaffold(tmp_path, "broken_guard")
    _edit(
        package / "api.py",
        'operation_id="broken_guardListNotes", guards=[requires("broken_guard.note", "read")]',
        'operation_id="broken_guardListNotes"',
    )
    on_path(package.parent)
    report = check_plugin(_module("broken_guard"))
    assert "route list_notes has no permission guard" in str(report)


def test_a_compound_table_without_rls_is_flagged(tmp_path, on_path):
    package = _scaffold(tmp_path, "broken_rls")
    migration = package / "migrations" / "versions" / "broken_rls_0001_notes.py"
    _edit(migration, '    enable_rls("broken_rls_notes")\n', "")
    on_path(package.parent)
    report = check_plugin(_module("broken_rls"))
    assert "broken_rls_notes: compound-scoped table without row-level security" in str(report)


def test_importing_an_internal_module_is_flagged_naming_it(tmp_path, on_path):
    package = _scaffold(tmp_path, "broken_internal")
    _edit(package / "models.py", "from core.public import Base, CompoundScoped", "from core.db import Base, CompoundScoped")
    _edit(
        package / "services.py", "from sqlalchemy import select\n", "from sqlalchemy import select\n\nimport tenants.models  # noqa: F401\n"
    )
    on_path(package.parent)
    report = str(check_plugin(_module("broken_internal")))
    assert "models.py: core.db is internal: a vendor plugin imports only core.public" in report
    assert "services.py: tenants.models is internal" in report


def test_importing_another_plugin_is_flagged(tmp_path, on_path):
    package = _scaffold(tmp_path, "broken_other")
    _edit(
        package / "services.py",
        "from sqlalchemy import select\n",
        "from sqlalchemy import select\n\nimport plugins.co_building  # noqa: F401\n",
    )
    on_path(package.parent)
    assert "imports another plugin (plugins.co_building)" in str(check_plugin(_module("broken_other")))


def test_the_built_in_plugins_may_still_import_internals():
    for name in ("co_building", "party_building", "quality", "coordination", "smart_property"):
        report = check_plugin(importlib.import_module(f"plugins.{name}"))
        assert report.ok, str(report)
