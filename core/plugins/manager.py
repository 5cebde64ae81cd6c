"""Discovers plugins by entry point, checks them, and collects their declarations.

A plugin that cannot be imported, declares another hook-API version, or raises
in a declaration hook is left out with a logged reason; the rest still run.
"""

from __future__ import annotations

import importlib
import logging
import pathlib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy

from core.cron import check_schedule
from core.events import catalogue
from core.plugins import hookspecs, versions

log = logging.getLogger("redprop.plugins")

ENTRY_POINT_GROUP = "redprop.plugins"
DECLARATION_HOOKS = (
    "redprop_models",
    "redprop_route_handlers",
    "redprop_pages",
    "redprop_policies",
    "redprop_actors",
    "redprop_schedules",
    "redprop_indicators",
    "redprop_dashboard_widgets",
    "redprop_notification_channels",
    "redprop_record_types",
    "redprop_payment_providers",
    "redprop_event_types",
    "redprop_cli_commands",
    "redprop_background_services",
    "redprop_waiting_items",
)


@dataclass
class PluginRecord:
    """What the host knows of one loaded plugin."""

    name: str
    version: str
    module: ModuleType
    info: dict[str, Any]
    hooks: list[str]
    declarations: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def is_module(self) -> bool:
        """Gated modules can be enabled per compound; built-ins (core, tenants) are always on."""
        return bool(self.info.get("module", True))

    @property
    def migrations_dir(self) -> pathlib.Path | None:
        source = getattr(self.module, "__file__", None)
        if not source:  # a plugin built in memory ships no migrations
            return None
        path = pathlib.Path(source).parent / "migrations" / "versions"
        return path if path.is_dir() else None


class PluginHost:
    """The pluggy manager plus what was loaded and what was refused."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginRecord] = {}
        self.refused: dict[str, str] = {}

    # ---------------------------------------------------------------- loading

    def load(
        self,
        builtins: tuple[ModuleType, ...] = (),
        *,
        extras: tuple[str, ...] = (),
        disabled: tuple[str, ...] = (),
        discover: bool = True,
    ) -> PluginHost:
        """Built-ins first (always on, a failure stops the platform), then ``extras`` (module paths named in
        ``REDPROP_EXTRA_PLUGINS``: loaded, checked and gated exactly as an installed plugin, for a vendor's tests
        without ``pip install``), then the ``redprop.plugins`` entry points."""
        for module in builtins:
            self.add(module, builtin=True)
        for path in extras:
            try:
                module = importlib.import_module(path)
            except Exception as exc:  # a broken plugin never takes the platform down
                self._refuse(path, f"import failed: {exc.__class__.__name__}: {exc}")
                continue
            self.add(module)
        if discover:
            for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
                if ep.name in disabled:
                    self.refused[ep.name] = "disabled by REDPROP_DISABLED_PLUGINS"
                    continue
                try:
                    module = ep.load()
                except Exception as exc:  # a broken plugin never takes the platform down
                    self._refuse(ep.name, f"import failed: {exc.__class__.__name__}: {exc}")
                    continue
                self.add(module, expected_name=ep.name)
        return self

    def add(self, module: ModuleType, *, builtin: bool = False, expected_name: str | None = None) -> PluginRecord | None:
        """Register one plugin module after checking its info and declarations."""
        label = expected_name or module.__name__
        info_fn = getattr(module, "redprop_plugin_info", None)
        if info_fn is None:
            self._refuse(label, "does not implement redprop_plugin_info", builtin=builtin)
            return None
        try:
            info = dict(info_fn())
        except Exception as exc:
            self._refuse(label, f"redprop_plugin_info raised {exc.__class__.__name__}: {exc}", builtin=builtin)
            return None
        name = info.get("name") or label
        mismatch = versions.plugin_incompatibility(info)
        if mismatch:
            self._refuse(name, mismatch, builtin=builtin)
            return None
        if name in self.plugins:
            self._refuse(name, "a plugin with this name is already loaded", builtin=builtin)
            return None
        if builtin:
            info.setdefault("module", False)
        try:
            self.pm.register(module, name=name)
            self.pm.check_pending()
        except Exception as exc:
            if self.pm.is_registered(module):
                self.pm.unregister(module)
            self._refuse(name, f"hook registration failed: {exc}", builtin=builtin)
            return None
        hooks = sorted(impl.name for impl in self._impls_of(module))
        record = PluginRecord(name=name, version=str(info.get("version", "0")), module=module, info=info, hooks=hooks)
        for hook in DECLARATION_HOOKS:
            fn = getattr(module, hook, None)
            if fn is None:
                continue
            try:
                declared = fn()
            except Exception as exc:
                self.pm.unregister(module)
                self._refuse(name, f"{hook} raised {exc.__class__.__name__}: {exc}", builtin=builtin)
                return None
            if declared is not None and not isinstance(declared, list | tuple):  # a dict would pass as its keys
                self.pm.unregister(module)
                self._refuse(name, f"{hook} returned {type(declared).__name__}, the hook declares a list", builtin=builtin)
                return None
            record.declarations[hook] = list(declared or [])
        try:  # what the platform would only trip over later is refused now
            for schedule in record.declarations.get("redprop_schedules", []):
                check_schedule(schedule)
            event_types = catalogue.parse(name, record.declarations.get("redprop_event_types", []))
        except ValueError as exc:
            self.pm.unregister(module)
            self._refuse(name, str(exc), builtin=builtin)
            return None
        catalogue.register(name, module, event_types)
        self.plugins[name] = record
        return record

    def _impls_of(self, module: ModuleType) -> list[Any]:
        return [caller for caller in self.pm.get_hookcallers(module) or []]

    def _refuse(self, name: str, reason: str, *, builtin: bool = False) -> None:
        if builtin:  # the platform cannot run without its own parts: stop loudly instead
            raise RuntimeError(f"built-in part {name} failed to load: {reason}")
        self.refused[name] = reason
        log.error("plugin %s left out: %s", name, reason)

    # ---------------------------------------------------------------- queries

    def declared(self, hook: str) -> list[tuple[PluginRecord, Any]]:
        """Every item declared through ``hook``, with the plugin that declared it."""
        return [(rec, item) for rec in self.plugins.values() for item in rec.declarations.get(hook, [])]

    @property
    def modules(self) -> list[PluginRecord]:
        """Plugins that are gated modules (enabled per compound)."""
        return [rec for rec in self.plugins.values() if rec.is_module]

    def call_each(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call a reaction hook on every plugin separately; a failure is logged and reported, not raised."""
        results: list[tuple[str, Any]] = []
        for rec in self.plugins.values():
            fn = getattr(rec.module, hook, None)
            if fn is None:
                continue
            try:
                results.append((rec.name, fn(**kwargs)))
            except Exception as exc:
                log.exception("plugin %s failed in %s", rec.name, hook)
                results.append((rec.name, exc))
        return results
