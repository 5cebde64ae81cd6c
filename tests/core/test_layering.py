"""The layers, read from the source: core → tenants → plugins, arrows downward only.

Every module is parsed with ``ast`` (nothing is imported), so an import hidden
inside a function, under ``TYPE_CHECKING`` or spelt as
``importlib.import_module("tenants.…")`` counts as much as one at the top.
"""

from __future__ import annotations

import ast
import pathlib
from collections.abc import Iterator

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIRST_PARTY = {"core", "tenants", "plugins", "migrations", "tests", "bench"}


def modules(package: str) -> Iterator[tuple[str, pathlib.Path]]:
    """``(dotted name, path)`` of every Python module under ``package`` (migrations included)."""
    base = ROOT / package.replace(".", "/")
    for path in sorted(base.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imported(path: pathlib.Path, module: str) -> Iterator[tuple[int, str]]:
    """``(line, dotted name)`` of everything ``path`` imports, wherever the statement stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # ``from plugins import co_building`` imports plugins.co_building
                yield node.lineno, f"{target}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("import_module", "__import__"):
                yield node.lineno, node.args[0].value


def package_of(name: str) -> str | None:
    """The layer a dotted name belongs to: ``core``, ``tenants``, ``plugins.<name>`` (or another first-party root)."""
    parts = name.split(".")
    if parts[0] not in FIRST_PARTY:
        return None
    if parts[0] == "plugins":
        return f"plugins.{parts[1]}" if len(parts) > 1 else "plugins"
    return parts[0]


def plugin_names() -> list[str]:
    return sorted(p.name for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").is_file())


def edges() -> dict[str, dict[str, list[str]]]:
    """package → imported package → where (``module:line → name``), over core, tenants and every plugin."""
    graph: dict[str, dict[str, list[str]]] = {}
    for top in ("core", "tenants", *(f"plugins.{name}" for name in plugin_names())):
        for module, path in modules(top):
            source = package_of(module)
            for line, name in imported(path, module):
                target = package_of(name)
                if target is None or target == source or target == "plugins":
                    continue
                graph.setdefault(source, {}).setdefault(target, []).append(f"{module}:{line} → {name}")
    return graph


def test_the_parser_sees_every_kind_of_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import tenants.models\n"
        "from plugins import co_building\n"
        "def f():\n"
        "    from tenants.access import rules\n"
        "    importlib.import_module('tenants.plugin')\n"
        "    return __import__('plugins.party_building')\n"
        "from . import sibling\n"
    )
    found = {name for _, name in imported(sample, "core.web.sample")}
    assert {
        "tenants.models",
        "plugins.co_building",
        "tenants.access",
        "tenants.plugin",
        "plugins.party_building",
        "core.web.sibling",
    } <= found


def test_core_imports_nothing_above_it():
    """The kernel reads on its own: not the control plane, not a plugin (they reach it through hooks)."""
    offending = [
        f"{module}:{line} imports {name}"
        for module, path in modules("core")
        for line, name in imported(path, module)
        if package_of(name) in ("tenants", "plugins") or (package_of(name) or "").startswith("plugins.")
    ]
    assert offending == []


def test_the_control_plane_imports_no_plugin():
    offending = [
        f"{module}:{line} imports {name}"
        for module, path in modules("tenants")
        for line, name in imported(path, module)
        if (package_of(name) or "").startswith("plugins")
    ]
    assert offending == []


@pytest.mark.parametrize("plugin", plugin_names())
def test_a_plugin_imports_only_core_and_tenants(plugin):
    """Plugins talk by events and hooks, never by importing one another (nor tests, benches or migrations' env)."""
    own = f"plugins.{plugin}"
    offending = [
        f"{module}:{line} imports {name}"
        for module, path in modules(own)
        for line, name in imported(path, module)
        if package_of(name) not in (None, "core", "tenants", own)
    ]
    assert offending == []


def test_no_import_cycle_between_packages():
    """Between core, tenants and each plugin the imports form no cycle (whatever the layers say)."""
    graph = edges()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    where = [" → ".join(c) + ": " + "; ".join(graph[a][b][0] for a, b in zip(c, c[1:], strict=False)) for c in cycles]
    assert where == []
