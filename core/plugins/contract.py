"""The plugin contract test kit: what every plugin, built-in or a vendor's, must satisfy.

A vendor calls ``check_plugin(module)`` from its own test suite (or runs
``pytest --pyargs core.plugins.contract`` style checks through
``assert_plugin_contract``); redprop runs the same checks over its own area
plugins in ``tests/contract``.
"""

from __future__ import annotations

import ast
import importlib
import pathlib
import re
from dataclasses import dataclass, field
from types import ModuleType

from litestar import Controller, Router
from litestar.handlers import HTTPRouteHandler

from core.authz.store import read_policy_files
from core.db import CompoundScoped
from core.plugins.hookspecs import HOOK_API
from core.plugins.manager import DECLARATION_HOOKS, PluginHost
from core.plugins.versions import incompatibility

REQUIRED_FILES = ("__init__.py", "models.py", "schemas.py", "services.py", "api.py", "pages.py", "jobs.py", "policies.csv", "indicators.py")
NAME = re.compile(r"^[a-z][a-z0-9_]{1,58}$")
PUBLIC_MODULES = ("core.public",)
"""What a vendor plugin may import from the platform (its tests may also import ``core.testing``)."""
BUILT_IN_PACKAGES = ("plugins", "tenants", "core")
"""Packages shipped with redprop: their plugins may still import internals (they migrate to core.public over time)."""
RLS_CALL = re.compile(r"\b(?:rls\.enable|enable_rls)\s*\(")


def is_vendor(module: ModuleType) -> bool:
    """A plugin not shipped inside redprop's own packages."""
    return module.__name__.split(".", 1)[0] not in BUILT_IN_PACKAGES


def internal_imports(package_dir: pathlib.Path) -> list[str]:
    """``file: module`` for each import of core or tenants other than the public API (``core.public``)."""
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module] if node.module != "core" else [f"core.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for t in targets:
                root = t.split(".", 1)[0]
                if root in ("core", "tenants") and t not in PUBLIC_MODULES:
                    found.append(f"{path.relative_to(package_dir)}: {t}")
    return found


@dataclass
class ContractReport:
    """Violations found in one plugin; empty means it honours the contract."""

    plugin: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        return f"{self.plugin}: " + ("ok" if self.ok else "; ".join(self.problems))


def _handlers(items) -> list[HTTPRouteHandler]:
    out: list[HTTPRouteHandler] = []
    for item in items:
        if isinstance(item, HTTPRouteHandler):
            out.append(item)
        elif isinstance(item, type) and issubclass(item, Controller):
            out.extend(v for v in vars(item).values() if isinstance(v, HTTPRouteHandler))
        elif isinstance(item, Router):  # a registered router keeps its handlers per route (HEAD and OPTIONS ones are generated)
            out.extend(
                h
                for route in item.routes
                for h in getattr(route, "route_handlers", [])
                if isinstance(h, HTTPRouteHandler) and not h.http_methods <= {"HEAD", "OPTIONS"}
            )
    return out


def check_plugin(module: ModuleType) -> ContractReport:
    """Every rule of the plugin contract, checked without a database or a server."""
    host = PluginHost()
    record = host.add(module)
    name = getattr(module, "__name__", "?")
    if record is None:
        return ContractReport(name, [f"refused by the host: {host.refused}"])
    report = ContractReport(record.name)
    problems = report.problems
    info = record.info
    if not NAME.match(record.name):
        problems.append("name must be lower_snake_case (it is also the module code and migration branch)")
    mismatch = incompatibility(info.get("hook_api"), HOOK_API, "hook API")
    if mismatch:
        problems.append(mismatch)
    for key in ("version", "label_zh", "label_en"):
        if not info.get(key):
            problems.append(f"redprop_plugin_info lacks {key}")

    package_dir = pathlib.Path(module.__file__ or "").parent
    for filename in REQUIRED_FILES:
        # a large plugin may split one of them into a package of the same name (models/__init__.py …)
        as_package = package_dir / filename.removesuffix(".py") / "__init__.py"
        if not (package_dir / filename).exists() and not (filename.endswith(".py") and as_package.exists()):
            problems.append(f"missing {filename} (every plugin has the same files)")
    own = module.__name__
    for path in package_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            target = node.module if isinstance(node, ast.ImportFrom) and node.level == 0 else None
            targets = [target] if target else ([a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for t in targets:
                if t.startswith("plugins.") and not (t == own or t.startswith(own + ".")):
                    problems.append(f"{path.relative_to(package_dir)} imports another plugin ({t}); talk through events and hooks")

    if is_vendor(module):
        for where in internal_imports(package_dir):
            problems.append(f"{where} is internal: a vendor plugin imports only core.public (docs/plugins/reference.md)")

    migration_texts = [p.read_text(encoding="utf-8") for p in sorted(record.migrations_dir.glob("*.py"))] if record.migrations_dir else []
    for model in record.declarations.get("redprop_models", []):
        table = getattr(model, "__table__", None)
        if table is None:
            problems.append(f"{model!r} is not a mapped model")
            continue
        if issubclass(model, CompoundScoped):
            pk = [c.name for c in table.primary_key.columns]
            if pk[:1] != ["compound_id"]:
                problems.append(f"{table.name}: compound_id must come first in the primary key")
            quoted = re.compile(r"['\"]" + re.escape(table.name) + r"['\"]")
            if migration_texts and not any(quoted.search(t) and RLS_CALL.search(t) for t in migration_texts):
                problems.append(
                    f"{table.name}: compound-scoped table without row-level security (call enable_rls('{table.name}') in its migration)"
                )
            for fk in table.foreign_key_constraints:
                referred = fk.referred_table
                if referred.name != "compounds" and "compound_id" in referred.c and "compound_id" not in fk.column_keys:
                    problems.append(f"{table.name}: foreign key to {referred.name} must include compound_id")

    for handler in _handlers(record.declarations.get("redprop_route_handlers", [])):
        if not handler.opt.get("public") and not any(hasattr(g, "permission") for g in (handler.guards or [])):
            problems.append(f"route {handler.handler_name} has no permission guard")

    for path in record.declarations.get("redprop_policies", []):
        try:
            read_policy_files([(record.name, pathlib.Path(path))] + _core_policy_files())
        except ValueError as exc:
            problems.append(f"policies: {exc}")

    versions = record.migrations_dir
    if versions is not None:
        labels = []
        for path in versions.glob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"branch_labels\s*=\s*\(\s*['\"]" + re.escape(record.name) + r"['\"]", text):
                labels.append(path.name)
        if not labels:
            problems.append(f"migrations: no revision with branch_labels = ('{record.name}',)")
    elif record.declarations.get("redprop_models"):
        problems.append("declares models but ships no migrations/versions")

    for hook in DECLARATION_HOOKS:
        for item in record.declarations.get(hook, []):
            if hook in {"redprop_pages"} and not {"path", "label_zh", "label_en", "permission"} <= set(item):
                problems.append(f"page entry {item!r} lacks path, labels or permission")
            if hook in {"redprop_indicators"} and not {"code", "label_zh", "label_en", "target", "weight"} <= set(item):
                problems.append(f"indicator {item!r} lacks code, labels, target or weight")
            if hook in {"redprop_schedules"} and not {"name", "actor"} <= set(item):
                problems.append(f"schedule {item!r} lacks name or actor")
    problems.extend(declaration_type_problems(record))
    return report


def declaration_type_problems(record) -> list[str]:
    """Each declaration hook's items are of the type its spec declares (hookspecs.py), named when not."""
    from core.jobs.runtime import Job

    problems: list[str] = []
    expect = {
        "redprop_models": ("a mapped model class", lambda i: isinstance(i, type) and hasattr(i, "__table__")),
        "redprop_route_handlers": ("a router, controller or route handler", lambda i: bool(_handlers([i])) or isinstance(i, Router)),
        "redprop_pages": ("a dict", lambda i: isinstance(i, dict)),
        "redprop_policies": (
            "the path of an existing policies.csv",
            lambda i: isinstance(i, str | pathlib.Path) and pathlib.Path(i).is_file(),
        ),
        "redprop_actors": ("a core.public.Job", lambda i: isinstance(i, Job)),
        "redprop_schedules": ("a dict", lambda i: isinstance(i, dict)),
        "redprop_indicators": ("a dict with a callable compute", lambda i: isinstance(i, dict) and callable(i.get("compute"))),
        "redprop_dashboard_widgets": ("a dict", lambda i: isinstance(i, dict)),
        "redprop_record_types": ("a dict", lambda i: isinstance(i, dict)),
        "redprop_event_types": ("a dict", lambda i: isinstance(i, dict)),
    }
    for hook, (what, ok) in expect.items():
        for item in record.declarations.get(hook, []):
            if not ok(item):
                problems.append(f"{hook} returned {item!r}, expected {what}")
    return problems


def _core_policy_files() -> list[tuple[str, pathlib.Path]]:
    """The core's templates define the roles a plugin's policies may extend."""
    root = pathlib.Path(importlib.import_module("core").__file__).parent.parent
    return [("core", root / "core" / "policies.csv"), ("tenants", root / "tenants" / "policies.csv")]


def assert_plugin_contract(module: ModuleType) -> None:
    """For a vendor's test suite: fails with every violation listed."""
    report = check_plugin(module)
    assert report.ok, str(report)
