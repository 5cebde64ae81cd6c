"""The built-in area plugins honour the same contract a vendor's plugin must."""

from __future__ import annotations

import importlib
import types

import pytest

from core.plugins import HOOK_API_VERSION, hookimpl
from core.plugins.contract import check_plugin

AREAS = ["party_building", "coordination", "co_building", "quality", "smart_property"]


@pytest.mark.parametrize("name", AREAS)
def test_area_plugin_honours_the_contract(name):
    report = check_plugin(importlib.import_module(f"plugins.{name}"))
    assert report.ok, str(report)


def test_the_kit_catches_violations(tmp_path):
    package = tmp_path / "vendor_bad"
    package.mkdir()
    (package / "__init__.py").write_text("import plugins.quality\n", encoding="utf-8")
    module = types.ModuleType("vendor_bad")
    module.__file__ = str(package / "__init__.py")

    @hookimpl
    def redprop_plugin_info():
        return {"name": "Vendor-Bad", "version": "1", "hook_api": HOOK_API_VERSION}

    module.redprop_plugin_info = redprop_plugin_info
    problems = "; ".join(check_plugin(module).problems)
    assert "lower_snake_case" in problems and "label_zh" in problems
    assert "missing models.py" in problems and "imports another plugin (plugins.quality)" in problems
