"""The event catalogue: every domain event type is declared, with its payload fields, by the plugin it belongs to.

A plugin declares its types through ``redprop_event_types``; the host checks
them when it loads the plugin (the name is ``<plugin>.<thing>.<past verb>``
in the plugin's own namespace, the fields are plain names) and registers them
here. :func:`check` runs on every ``emit``: an undeclared type, a payload whose
keys differ from the declared fields, or a plugin emitting another plugin's
event fails at once, so a slip shows up in the first test that emits it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

log = logging.getLogger("redprop.events")

SEGMENT = r"[a-z][a-z0-9_]*"
NAME_SHAPE = re.compile(rf"^({SEGMENT})\.({SEGMENT})\.({SEGMENT})$")
IRREGULAR_PAST = frozenset(
    "begun bought brought built chosen done drawn found frozen given held kept known left lost made met paid put read "
    "run seen sent set shown shut sold split spent taken told thrown withdrawn won written".split()
)
KERNEL = "core"
"""The kernel may emit any declared type (a shared helper acting for a plugin); plugins emit only their own."""


class EventCatalogueError(ValueError):
    """An event type is declared badly, or emitted in a way its declaration does not allow."""


@dataclass(frozen=True)
class EventType:
    """One declared event type."""

    name: str
    plugin: str
    fields: frozenset[str]
    description: str
    legacy_name: bool = False


_TYPES: dict[str, EventType] = {}
_PACKAGES: dict[str, str] = {}  # python package -> plugin name


def naming_problem(name: str, plugin: str) -> str | None:
    """Why ``name`` breaks the rule ``<plugin>.<thing>.<past verb>`` (None when it follows it)."""
    shape = NAME_SHAPE.match(name)
    if shape is None:
        return "is not <plugin>.<thing>.<past verb> (three lower-case snake_case parts)"
    if shape.group(1) != plugin:
        return f"is not in the plugin's namespace {plugin}."
    verb = shape.group(3).split("_")[0]
    if not (verb.endswith("ed") or verb in IRREGULAR_PAST):
        return f"does not end in a past verb ({shape.group(3)!r})"
    return None


def parse(plugin: str, items: Iterable[Any]) -> list[EventType]:
    """Check one plugin's declarations: ``{"name", "fields", "description"[, "legacy_name"]}``."""
    found: dict[str, EventType] = {}
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise EventCatalogueError(f"an event type of {plugin} is not a dict with a name: {item!r}")
        name = item["name"]
        legacy = bool(item.get("legacy_name"))
        problem = naming_problem(name, plugin)
        if problem and not (legacy and name.startswith(f"{plugin}.")):
            raise EventCatalogueError(f"event type {name!r} of {plugin} {problem}")
        if problem:
            log.warning("event type %s of %s keeps a name that %s (declared legacy_name)", name, plugin, problem)
        fields = item.get("fields", ())
        if isinstance(fields, str) or not all(isinstance(f, str) and f.isidentifier() for f in fields):
            raise EventCatalogueError(f"event type {name!r}: fields must be a list of payload key names")
        if not str(item.get("description") or "").strip():
            raise EventCatalogueError(f"event type {name!r}: describe it (description)")
        if name in found:
            raise EventCatalogueError(f"event type {name!r} is declared twice")
        owner = _TYPES.get(name)
        if owner is not None and owner.plugin != plugin:
            raise EventCatalogueError(f"event type {name!r} is already declared by {owner.plugin}")
        found[name] = EventType(name, plugin, frozenset(fields), str(item["description"]).strip(), legacy)
    return list(found.values())


def package_of(module: ModuleType) -> str:
    """The python package a plugin's code lives in (``plugins.co_building``, ``core``, ``tenants``)."""
    if hasattr(module, "__path__"):
        return module.__name__
    return module.__name__.rpartition(".")[0] or module.__name__


def register(plugin: str, module: ModuleType, types: Iterable[EventType]) -> None:
    """Make a loaded plugin's types emittable (the host calls this once the plugin is accepted)."""
    _PACKAGES[package_of(module)] = plugin
    for event_type in types:
        _TYPES[event_type.name] = event_type


def declared() -> dict[str, EventType]:
    """Every registered event type by name."""
    return dict(_TYPES)


def _plugin_of(module_name: str) -> str | None:
    best = ""
    for package in _PACKAGES:
        if (module_name == package or module_name.startswith(package + ".")) and len(package) > len(best):
            best = package
    return _PACKAGES.get(best) if best else None


def check(name: str, payload: Mapping[str, Any], emitter_module: str | None) -> EventType:
    """Refuse an undeclared type, another plugin's type, or a payload other than the declared fields."""
    event_type = _TYPES.get(name)
    if event_type is None:
        raise EventCatalogueError(f"event type {name!r} is not declared (add it to the plugin's redprop_event_types)")
    emitter = _plugin_of(emitter_module) if emitter_module else None
    if emitter is not None and emitter not in (KERNEL, event_type.plugin):
        raise EventCatalogueError(f"{emitter_module} ({emitter}) emits {name!r}, an event of {event_type.plugin}")
    keys = set(payload)
    if keys != event_type.fields:
        extra, missing = sorted(keys - event_type.fields), sorted(event_type.fields - keys)
        raise EventCatalogueError(f"payload of {name!r} differs from its declaration: undeclared {extra}, missing {missing}")
    return event_type
